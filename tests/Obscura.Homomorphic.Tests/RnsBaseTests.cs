using System.Numerics;
using CsCheck;
using Obscura.Homomorphic.Arithmetic;

namespace Obscura.Homomorphic.Tests;

/// <summary>CRT arithmetic against BigInteger (fresh random cases each run; failures print a seed).</summary>
public sealed class RnsBaseTests
{
    private static readonly RnsBase Base = new(Primes.NttFriendly(60, 8192, 3).Concat(Primes.NttFriendly(40, 8192, 2)).Select(q => new Modulus(q)).ToList());
    private static readonly RnsBase Special = new(Primes.NttFriendly(59, 8192, 2).Select(q => new Modulus(q)).ToList());

    private static readonly Gen<BigInteger> BelowQ = Gen.Byte.Array[(int)(Base.BitCount / 8) + 8].Select(b => new BigInteger(b, isUnsigned: true) % Base.Product);

    [Fact]
    public void Compose_inverts_decompose_for_every_value_below_q()
    {
        BelowQ.Sample(x =>
        {
            Span<ulong> residues = stackalloc ulong[Base.Count];
            Base.Decompose(x, residues);
            for (var i = 0; i < Base.Count; i++)
            {
                Assert.Equal((ulong)(x % Base.Moduli[i].Value), residues[i]);
            }

            Assert.Equal(x, Base.Compose(residues));
        }, iter: 2_000);
    }

    [Fact]
    public void Negative_values_decompose_to_their_class_modulo_q()
    {
        Span<ulong> residues = stackalloc ulong[Base.Count];
        Base.Decompose(-5, residues);
        Assert.Equal(Base.Product - 5, Base.Compose(residues));
    }

    [Fact]
    public void Fast_base_conversion_is_exact_up_to_a_small_multiple_of_q()
    {
        BelowQ.Sample(x =>
        {
            var residues = new ulong[Base.Count];
            var converted = new ulong[Special.Count];
            Base.Decompose(x, residues);
            Base.ConvertApproximate(residues, Special, converted);
            var candidates = Enumerable.Range(0, Base.Count).Select(alpha => x + (alpha * Base.Product)).ToList();
            var matches = candidates.Where(c => Enumerable.Range(0, Special.Count).All(j => (ulong)(c % Special.Moduli[j].Value) == converted[j])).ToList();
            Assert.Single(matches);
        }, iter: 1_000);
    }

    [Fact]
    public void Bases_reject_repeated_composite_or_mismatched_input()
    {
        var q = new Modulus(Primes.NttFriendly(30, 16, 1)[0]);
        Assert.Throws<ArgumentException>(() => new RnsBase([q, q]));
        Assert.Throws<ArgumentException>(() => new RnsBase([new Modulus(65537 * 3)]));
        Assert.Throws<ArgumentException>(() => new RnsBase([]));
        Assert.Throws<ArgumentException>(() => Base.Compose(new ulong[2]));
        Assert.Throws<ArgumentException>(() => Base.ConvertApproximate(new ulong[Base.Count], Special, new ulong[1]));
    }

    [Fact]
    public void The_bit_count_is_that_of_the_product() => Assert.Equal((int)Base.Product.GetBitLength(), Base.BitCount);
}
