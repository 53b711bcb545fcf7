using System.Numerics;
using Obscura.Homomorphic.Arithmetic;
using Obscura.Homomorphic.Bgv;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Tests;

/// <summary>
/// Known answers for BGV batching. The expected coefficients and transforms were computed independently of this code,
/// by direct evaluation in Python (no NTT, no index tables): with ψ the smallest x such that x^N ≡ −1 (mod t), slot i of
/// row 0 is m(ψ^(3^i)) and slot i of row 1 is m(ψ^(−3^i)) (SEAL's batching layout), so
/// m_k = N^-1 Σ_e v_e ψ^(−e·k) over the N odd exponents e; the NTT output at index i is a(ψ^(2·rev(i)+1)).
/// </summary>
public sealed class BgvEncoderTests
{
    [Fact]
    public void Encoding_a_fixed_vector_gives_the_independently_computed_polynomial_t17_n8()
    {
        var p = BgvParameters.Create(8, [20], 20, 17, allowInsecure: true);
        var plaintext = new BgvEncoder(p).Encode([1, 2, 3, 4, 5, 6, 7, 8]);
        Assert.Equal([13UL, 5, 0, 1, 0, 16, 14, 12], plaintext.Coefficients);
    }

    [Fact]
    public void Encoding_a_fixed_vector_gives_the_independently_computed_polynomial_t97_n16()
    {
        var p = BgvParameters.Create(16, [20], 20, 97, allowInsecure: true);
        var encoder = new BgvEncoder(p);
        long[] values = [0, 1, -1, 2, -2, 3, -3, 48, 5, 6, 7, 8, 9, 10, 11, -48];
        var plaintext = encoder.Encode(values);
        Assert.Equal([52UL, 87, 67, 26, 29, 75, 15, 52, 83, 44, 47, 25, 74, 18, 76, 64], plaintext.Coefficients);
        Assert.Equal(values, encoder.Decode(plaintext));
        Assert.Equal(values.Select(v => (ulong)((v + 97) % 97)), encoder.DecodeUnsigned(plaintext));
    }

    [Fact]
    public void The_ntt_modulo_65537_matches_direct_evaluation()
    {
        var tables = new NttTables(16, new Modulus(65537));
        Assert.Equal(2UL, tables.Root);
        var a = Enumerable.Range(0, 16).Select(i => (ulong)i).ToArray();
        Ntt.Forward(a, tables);
        Assert.Equal([65525UL, 58260, 12004, 3730, 56330, 51756, 16196, 14731, 5348, 52593, 53757, 11951, 59446, 48059, 14574, 36], a);
        ulong[] b = [65536, 1, 2, 65535, 32768, 7, 0, 12345, 1, 1, 1, 1, 0, 0, 0, 40000];
        Ntt.Forward(b, tables);
        Assert.Equal([56858UL, 11237, 42691, 21276, 38793, 31358, 45942, 16033, 4324, 24091, 56041, 37398, 18061, 51185, 43390, 25602], b);
        Ntt.Inverse(b, tables);
        Assert.Equal([65536UL, 1, 2, 65535, 32768, 7, 0, 12345, 1, 1, 1, 1, 0, 0, 0, 40000], b);
    }

    [Theory]
    [InlineData(64, 257)]
    [InlineData(256, 12289)]
    public void Slots_are_evaluations_at_plus_and_minus_powers_of_three_in_seals_layout(int n, ulong t)
    {
        // Here the test evaluates the encoded polynomial directly with BigInteger arithmetic, with ψ found by brute force.
        var p = BgvParameters.Create(n, [30], 30, t, allowInsecure: true);
        var random = new Random(n);
        var values = Enumerable.Range(0, n).Select(_ => random.NextInt64(-(long)t, (long)t)).ToArray();
        var m = new BgvEncoder(p).Encode(values).Coefficients;
        var psi = Enumerable.Range(2, (int)t).Select(x => (ulong)x).First(x => BigInteger.ModPow(x, n, t) == t - 1);
        var rows = n / 2;
        for (var i = 0; i < rows; i++)
        {
            var e = (int)BigInteger.ModPow(3, i, 2 * n);
            Assert.Equal(Reduce(values[i], t), Evaluate(m, BigInteger.ModPow(psi, e, t), t));
            Assert.Equal(Reduce(values[rows + i], t), Evaluate(m, BigInteger.ModPow(psi, (2 * n) - e, t), t));
        }
    }

    [Fact]
    public void Encoding_reduces_signed_values_and_pads_with_zeros()
    {
        var p = BgvParameters.Create(64, [30], 30, 257, allowInsecure: true);
        var encoder = new BgvEncoder(p);
        long[] values = [-1, 256, 257, 258, -257, -258, long.MaxValue, long.MinValue, 128, -128, 129];
        var decoded = encoder.Decode(encoder.Encode(values));
        Assert.Equal([-1L, -1, 0, 1, 0, -1, ((long.MaxValue % 257) + 257 + 128) % 257 - 128, ((long.MinValue % 257) + 257 + 128) % 257 - 128, 128, -128, -128], decoded[..values.Length]);
        Assert.All(decoded[values.Length..], v => Assert.Equal(0, v));
        Assert.All(encoder.DecodeUnsigned(encoder.Encode(values)), v => Assert.True(v < 257));
        Assert.Throws<ArgumentException>(() => encoder.Encode(new long[65]));
        Assert.Throws<ArgumentException>(() => new BgvEncoder(BgvParameters.Create(64, [31], 31, 257, allowInsecure: true)).Decode(encoder.Encode([1])));
    }

    [Fact]
    public void Decoding_centres_values_in_the_half_open_interval()
    {
        var p = BgvParameters.Create(64, [30], 30, 257, allowInsecure: true);
        var encoder = new BgvEncoder(p);
        var all = Enumerable.Range(0, 64).Select(i => (long)(i * 4)).ToArray(); // 0 … 252 across the midpoint 128
        var decoded = encoder.Decode(encoder.Encode(all));
        Assert.All(decoded, v => Assert.InRange(v, -128, 128));
        Assert.Equal(all.Select(v => v > 128 ? v - 257 : v), decoded);
    }

    private static ulong Reduce(long v, ulong t) => (ulong)(((v % (long)t) + (long)t) % (long)t);

    private static ulong Evaluate(ulong[] m, BigInteger x, ulong t)
    {
        BigInteger sum = 0, power = 1;
        foreach (var c in m)
        {
            sum = (sum + (c * power)) % t;
            power = power * x % t;
        }

        return (ulong)sum;
    }
}
