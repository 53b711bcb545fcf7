using Obscura.Homomorphic.Arithmetic;
using Obscura.Homomorphic.Bgv;

namespace Obscura.Homomorphic.Tests;

/// <summary>BGV parameter validation against the HomomorphicEncryption.org table and the batching conditions.</summary>
public sealed class BgvParametersTests
{
    [Fact]
    public void The_preset_is_valid_and_exactly_at_the_128_bit_bound()
    {
        var p = BgvParameters.N8192T65537;
        Assert.Equal(8192, p.PolyDegree);
        Assert.Equal(8192, p.SlotCount);
        Assert.Equal(4096, p.RowSize);
        Assert.Equal(65537UL, p.PlainModulus.Value);
        Assert.Equal(1UL, 65537UL % (2 * 8192));
        Assert.True(Primes.IsPrime(p.PlainModulus.Value));
        Assert.Equal([60, 49, 49], p.CiphertextModuli.Moduli.Select(q => q.BitCount));
        Assert.Equal(60, p.SpecialModulus.BitCount);
        Assert.Equal(2, p.MaxLevel);
        Assert.Equal(218, p.TotalModulusBits);
        Assert.Equal(SecurityStandard.MaxModulusBits(8192, 128), p.TotalModulusBits);
        Assert.True(p.MeetsSecurityStandard);
        var all = p.CiphertextModuli.Moduli.Append(p.SpecialModulus).Select(q => q.Value).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.All(all, q => Assert.True(Primes.IsPrime(q) && q % 16384 == 1 && q != 65537));
        Assert.DoesNotContain("INSECURE", p.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8192, new[] { 60, 50, 49 }, 60)] // 219 bits > 218
    [InlineData(4096, new[] { 37, 36 }, 37)]     // 110 bits > 109
    [InlineData(16384, new[] { 60, 60, 60, 60, 60, 60, 60 }, 60)] // 480 > 438
    public void Sets_over_the_table_are_refused_unless_insecure_mode_is_asked_for(int n, int[] bits, int special)
    {
        var ex = Assert.Throws<ArgumentException>(() => BgvParameters.Create(n, bits, special, 65537));
        Assert.Contains($"{SecurityStandard.MaxModulusBits(n, 128)}-bit bound", ex.Message, StringComparison.Ordinal);
        var insecure = BgvParameters.Create(n, bits, special, 65537, allowInsecure: true);
        Assert.False(insecure.MeetsSecurityStandard);
        Assert.True(insecure.TotalModulusBits > SecurityStandard.MaxModulusBits(n, 128));
        Assert.Contains("INSECURE", insecure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Sets_at_the_table_limit_are_accepted()
    {
        var p = BgvParameters.Create(4096, [36, 36], 37, 65537);
        Assert.True(p.TotalModulusBits <= 109 && p.TotalModulusBits >= 108, p.ToString());
        Assert.True(p.MeetsSecurityStandard);
    }

    [Fact]
    public void The_plaintext_modulus_must_be_a_batching_prime_below_q0()
    {
        // 12289 and 40961 are primes, but 1 mod 2N only up to N = 2048 and 4096 respectively.
        Assert.Contains("congruent to 1 modulo 2N", Assert.Throws<ArgumentException>(() => BgvParameters.Create(8192, [60, 49, 49], 60, 12289)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => BgvParameters.Create(8192, [60, 49, 49], 60, 40961));
        Assert.Throws<ArgumentException>(() => BgvParameters.Create(8192, [60, 49, 49], 60, 16385)); // 1 mod 16384, 5 × 29 × 113
        Assert.Throws<ArgumentException>(() => BgvParameters.Create(8192, [60, 49, 49], 60, 1));
        Assert.Throws<ArgumentException>(() => BgvParameters.Create(8192, [60, 49, 49], 60, 2));

        // t ≥ q0: a 25-bit batching prime over a 20-bit q0.
        var big = Primes.NttFriendly(25, 16, 1)[0];
        Assert.Contains("below q_0", Assert.Throws<ArgumentException>(() => BgvParameters.Create(16, [20, 20], 25, big, allowInsecure: true)).Message, StringComparison.Ordinal);
        Assert.Equal(12289UL, BgvParameters.Create(2048, [30], 30, 12289, allowInsecure: true).PlainModulus.Value);
    }

    [Fact]
    public void A_plaintext_modulus_that_is_also_an_ntt_prime_is_skipped_in_the_chain()
    {
        var t = Primes.NttFriendly(20, 16, 1)[0];
        var p = BgvParameters.Create(16, [30, 20, 20], 30, t, allowInsecure: true);
        Assert.DoesNotContain(t, p.CiphertextModuli.Moduli.Select(q => q.Value));
        Assert.Equal([30, 20, 20], p.CiphertextModuli.Moduli.Select(q => q.BitCount));
    }

    [Fact]
    public void Degree_prime_sizes_and_special_prime_are_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BgvParameters.Create(512, [20], 20, 65537));
        Assert.Throws<ArgumentOutOfRangeException>(() => BgvParameters.Create(3000, [20], 20, 65537, allowInsecure: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => BgvParameters.Create(65536, [60], 60, 65537, allowInsecure: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => BgvParameters.Create(4, [20], 20, 17, allowInsecure: true));
        Assert.Throws<ArgumentException>(() => BgvParameters.Create(8192, [], 60, 65537));
        Assert.Throws<ArgumentException>(() => BgvParameters.Create(8192, [61, 40], 61, 65537));
        Assert.Throws<ArgumentException>(() => BgvParameters.Create(8192, [19, 40], 40, 65537));
        Assert.Contains("special prime", Assert.Throws<ArgumentException>(() => BgvParameters.Create(8192, [60, 49], 49, 65537)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => BgvParameters.Create(8192, null!, 60, 65537));
    }

    [Fact]
    public void The_fingerprint_identifies_the_set()
    {
        var a = BgvParameters.Create(1024, [30, 30], 30, 12289, allowInsecure: true);
        var b = BgvParameters.Create(1024, [30, 30], 30, 12289, allowInsecure: true);
        var otherT = BgvParameters.Create(1024, [30, 30], 30, 40961, allowInsecure: true);
        var otherChain = BgvParameters.Create(1024, [30, 31], 31, 12289, allowInsecure: true);
        Assert.Equal(16, a.Fingerprint.Length);
        Assert.True(a.Fingerprint.SequenceEqual(b.Fingerprint));
        Assert.True(a.IsSameAs(b));
        Assert.False(a.IsSameAs(otherT));
        Assert.False(a.IsSameAs(otherChain));
        Assert.False(a.Fingerprint.SequenceEqual(otherT.Fingerprint));
    }
}
