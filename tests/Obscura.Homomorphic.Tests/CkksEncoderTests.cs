using System.Numerics;
using CsCheck;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Homomorphic.Tests;

/// <summary>
/// The canonical embedding. Tolerances are worst-case bounds, not statistical: rounding moves each coefficient by at
/// most 1/2, which moves each slot by at most N/(2Δ); floating-point error is orders of magnitude smaller.
/// </summary>
public sealed class CkksEncoderTests
{
    private static readonly Gen<Complex> Slot = Gen.Select(Gen.Double[-1, 1], Gen.Double[-1, 1], (re, im) => new Complex(re, im));

    [Theory]
    [InlineData(8)]
    [InlineData(32)]
    public void Slot_j_is_the_evaluation_at_zeta_to_the_five_to_the_j(int n)
    {
        var encoder = new CkksEncoder(n);
        var random = new Random(n);
        var coefficients = Enumerable.Range(0, n).Select(_ => (double)random.Next(-1000, 1000)).ToArray();
        var slots = new Complex[n / 2];
        encoder.Decode(coefficients, 1.0, slots);
        for (var j = 0; j < n / 2; j++)
        {
            var exponent = (int)BigInteger.ModPow(5, j, 2 * n);
            var point = Complex.FromPolarCoordinates(1, 2 * Math.PI * exponent / (2 * n));
            var expected = Complex.Zero;
            for (var k = n - 1; k >= 0; k--)
            {
                expected = (expected * point) + coefficients[k];
            }

            Assert.True(Complex.Abs(expected - slots[j]) < 1e-8, $"slot {j}: {slots[j]} vs {expected}");
        }
    }

    [Fact]
    public void Decode_after_encode_returns_the_values_within_the_rounding_bound()
    {
        Gen.Select(Gen.Int[2, 13], Gen.Int[20, 40]).SelectMany(t => Slot.Array[1 << (t.Item1 - 1)].Select(z => (n: 1 << t.Item1, scale: Math.Pow(2, t.Item2), z))).Sample(x =>
        {
            var encoder = new CkksEncoder(x.n);
            var coefficients = new Int128[x.n];
            encoder.Encode(x.z, x.scale, coefficients);
            var decoded = new Complex[x.n / 2];
            encoder.Decode(coefficients.Select(c => (double)c).ToArray(), x.scale, decoded);
            var bound = x.n / (2 * x.scale);
            for (var j = 0; j < x.z.Length; j++)
            {
                Assert.True(Complex.Abs(decoded[j] - x.z[j]) <= bound, $"slot {j} off by {Complex.Abs(decoded[j] - x.z[j])}, bound {bound}");
            }
        }, iter: 100);
    }

    [Fact]
    public void Negacyclic_products_multiply_slots_pointwise()
    {
        const int n = 64;
        var scale = Math.Pow(2, 24);
        var encoder = new CkksEncoder(n);
        Gen.Select(Slot.Array[n / 2], Slot.Array[n / 2]).Sample(t =>
        {
            var (z1, z2) = t;
            var a = new Int128[n];
            var b = new Int128[n];
            encoder.Encode(z1, scale, a);
            encoder.Encode(z2, scale, b);
            var product = new double[n];
            var exact = new Int128[n];
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    var term = (Int128)a[i] * b[j];
                    if (i + j < n)
                    {
                        exact[i + j] += term;
                    }
                    else
                    {
                        exact[i + j - n] -= term;
                    }
                }
            }

            for (var i = 0; i < n; i++)
            {
                product[i] = (double)exact[i];
            }

            var decoded = new Complex[n / 2];
            encoder.Decode(product, scale * scale, decoded);
            for (var j = 0; j < n / 2; j++)
            {
                Assert.True(Complex.Abs(decoded[j] - (z1[j] * z2[j])) < 1e-4, $"slot {j}");
            }
        }, iter: 50);
    }

    [Fact]
    public void The_automorphism_x_to_x5_rotates_slots_and_x_to_x_inverse_conjugates_them()
    {
        const int n = 32;
        var encoder = new CkksEncoder(n);
        var random = new Random(11);
        var z = Enumerable.Range(0, n / 2).Select(_ => new Complex(random.NextDouble(), random.NextDouble())).ToArray();
        var m = new Int128[n];
        encoder.Encode(z, Math.Pow(2, 30), m);

        var rotated = new Complex[n / 2];
        encoder.Decode(Automorphism(m, 5), Math.Pow(2, 30), rotated);
        var conjugated = new Complex[n / 2];
        encoder.Decode(Automorphism(m, (2 * n) - 1), Math.Pow(2, 30), conjugated);
        for (var j = 0; j < n / 2; j++)
        {
            Assert.True(Complex.Abs(rotated[j] - z[(j + 1) % (n / 2)]) < 1e-6, $"rotation slot {j}");
            Assert.True(Complex.Abs(conjugated[j] - Complex.Conjugate(z[j])) < 1e-6, $"conjugation slot {j}");
        }
    }

    [Fact]
    public void Bad_input_is_refused()
    {
        var encoder = new CkksEncoder(16);
        Assert.Throws<ArgumentException>(() => encoder.Encode(new Complex[9], 1024, new Int128[16]));
        Assert.Throws<ArgumentException>(() => encoder.Encode(new Complex[8], 1024, new Int128[8]));
        Assert.Throws<ArgumentException>(() => encoder.Encode([new Complex(double.NaN, 0)], 1024, new Int128[16]));
        Assert.Throws<ArgumentOutOfRangeException>(() => encoder.Encode([Complex.One], 0, new Int128[16]));
        Assert.Throws<ArgumentOutOfRangeException>(() => encoder.Encode([Complex.One], double.PositiveInfinity, new Int128[16]));
        Assert.Throws<ArgumentOutOfRangeException>(() => encoder.Encode([new Complex(1e10, 0)], Math.Pow(2, 120), new Int128[16]));
        Assert.Throws<ArgumentException>(() => encoder.Decode(new double[16], 1, new Complex[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CkksEncoder(12));
    }

    /// <summary>m(X) → m(X^g) in Z[X]/(X^N + 1): coefficient k moves to g·k mod 2N, negated past N.</summary>
    private static double[] Automorphism(Int128[] m, int g)
    {
        var n = m.Length;
        var result = new double[n];
        for (var k = 0; k < n; k++)
        {
            var target = (int)((long)g * k % (2 * n));
            if (target < n)
            {
                result[target] += (double)m[k];
            }
            else
            {
                result[target - n] -= (double)m[k];
            }
        }

        return result;
    }
}
