using System.Numerics;
using CsCheck;
using Obscura.Homomorphic.Arithmetic;

namespace Obscura.Homomorphic.Tests;

/// <summary>
/// Modular arithmetic against BigInteger over random moduli up to 61 bits. CsCheck draws fresh cases each run and
/// prints a seed to reproduce a failure; the properties are exact, so a failure is a defect.
/// </summary>
public sealed class ModulusTests
{
    private static readonly Gen<ulong> Moduli = Gen.OneOf(
        Gen.ULong[3, (1UL << 61) - 1].Select(q => q | 1),
        Gen.ULong[(1UL << 60) + 1, (1UL << 61) - 1].Select(q => q | 1),
        Gen.ULong[3, 1000].Select(q => q | 1));

    private static readonly Gen<(Modulus Q, ulong A, ulong B)> Operands =
        Moduli.SelectMany(q => Gen.Select(Gen.ULong[0, q - 1], Gen.ULong[0, q - 1], (a, b) => (new Modulus(q), a, b)));

    [Fact]
    public void Add_subtract_negate_and_multiply_match_big_integer_arithmetic()
    {
        Operands.Sample(t =>
        {
            var (m, a, b) = t;
            var q = new BigInteger(m.Value);
            Assert.Equal((ulong)((a + (BigInteger)b) % q), m.Add(a, b));
            Assert.Equal((ulong)(((a - (BigInteger)b) % q + q) % q), m.Subtract(a, b));
            Assert.Equal((ulong)((q - a) % q), m.Negate(a));
            Assert.Equal((ulong)(a * (BigInteger)b % q), m.Multiply(a, b));
        }, iter: 20_000);
    }

    [Fact]
    public void Reductions_match_big_integer_for_any_input_in_range()
    {
        Moduli.SelectMany(q => Gen.Select(Gen.ULong, Gen.ULong[0, q - 1], (lo, hi) => (new Modulus(q), hi, lo))).Sample(t =>
        {
            var (m, hi, lo) = t;
            Assert.Equal(lo % m.Value, m.Reduce(lo));
            var x = ((BigInteger)hi << 64) + lo;
            Assert.Equal((ulong)(x % m.Value), m.Reduce128(hi, lo));
        }, iter: 20_000);
    }

    [Theory]
    [InlineData(3UL)]
    [InlineData(5UL)]
    [InlineData((1UL << 61) - 1)]
    [InlineData((1UL << 60) + 1)]
    public void One_word_reduction_is_exact_at_the_edges(ulong q)
    {
        var m = new Modulus(q);
        foreach (var x in new[] { 0UL, q - 1, q, (2 * q) - 1, 3 * q, ulong.MaxValue, ulong.MaxValue - 1, 1UL << 63 })
        {
            Assert.Equal(x % q, m.Reduce(x));
        }
    }

    [Fact]
    public void Shoup_multiplication_matches_for_any_64_bit_left_operand()
    {
        Moduli.SelectMany(q => Gen.Select(Gen.ULong, Gen.ULong[0, q - 1], (x, w) => (new Modulus(q), x, w))).Sample(t =>
        {
            var (m, x, w) = t;
            var expected = (ulong)(x * (BigInteger)w % m.Value);
            var shoup = m.ShoupPrecompute(w);
            Assert.Equal(expected, m.MultiplyShoup(x, w, shoup));
            var lazy = m.MultiplyShoupLazy(x, w, shoup);
            Assert.True(lazy < 2 * m.Value);
            Assert.Equal(expected, lazy % m.Value);
        }, iter: 20_000);
    }

    [Fact]
    public void Power_and_inverse_agree_with_big_integer()
    {
        Gen.Select(Gen.ULong[0, ulong.MaxValue], Gen.Int[0, 2]).Sample(t =>
        {
            ulong[] primes = [1152921504606584833UL, 2305843009213693951UL, 65537UL];
            var m = new Modulus(primes[t.Item2]);
            var a = t.Item1 % m.Value;
            var e = t.Item1 >> 3;
            Assert.Equal((ulong)BigInteger.ModPow(a, e, m.Value), m.Power(a, e));
            if (a != 0)
            {
                Assert.Equal(1UL, m.Multiply(a, m.InversePrime(a)));
            }
        }, iter: 2_000);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(1UL << 61)]
    [InlineData(ulong.MaxValue)]
    public void Invalid_moduli_are_refused(ulong q) => Assert.Throws<ArgumentOutOfRangeException>(() => new Modulus(q));

    [Fact]
    public void Zero_has_no_inverse() => Assert.Throws<ArgumentException>(() => new Modulus(65537).InversePrime(65537 * 3));
}
