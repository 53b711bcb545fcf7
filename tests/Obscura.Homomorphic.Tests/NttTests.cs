using CsCheck;
using Obscura.Homomorphic.Arithmetic;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Tests;

/// <summary>The negacyclic NTT: exact properties over random degrees, prime sizes and polynomials (fresh cases each run; failures print a seed).</summary>
public sealed class NttTests
{
    private static readonly Gen<NttTables> Tables =
        Gen.Select(Gen.Int[1, 12], Gen.Int[20, 60], Gen.Int[0, 3]).Select(t =>
        {
            var n = 1 << t.Item1;
            return new NttTables(n, new Modulus(Primes.NttFriendly(t.Item2, n, t.Item3 + 1)[t.Item3]));
        });

    [Fact]
    public void Inverse_undoes_forward()
    {
        Tables.SelectMany(t => Gen.ULong[0, t.Modulus.Value - 1].Array[t.Degree].Select(a => (t, a))).Sample(x =>
        {
            var (tables, a) = x;
            var work = (ulong[])a.Clone();
            Ntt.Forward(work, tables);
            Assert.All(work, v => Assert.True(v < tables.Modulus.Value));
            Ntt.Inverse(work, tables);
            Assert.Equal(a, work);
        }, iter: 200);
    }

    [Fact]
    public void Forward_evaluates_at_the_odd_powers_of_psi_in_bit_reversed_order()
    {
        var tables = new NttTables(16, new Modulus(Primes.NttFriendly(30, 16, 1)[0]));
        var q = tables.Modulus;
        var random = new Random(3);
        var a = Enumerable.Range(0, 16).Select(_ => (ulong)random.NextInt64((long)q.Value)).ToArray();
        var transformed = (ulong[])a.Clone();
        Ntt.Forward(transformed, tables);
        for (var i = 0; i < 16; i++)
        {
            var point = q.Power(tables.Root, (ulong)(2 * i) + 1);
            ulong value = 0, power = 1;
            foreach (var c in a)
            {
                value = q.Add(value, q.Multiply(c, power));
                power = q.Multiply(power, point);
            }

            Assert.Equal(value, transformed[(int)ReverseBits4((uint)i)]);
        }
    }

    [Fact]
    public void Pointwise_products_are_negacyclic_convolutions()
    {
        Gen.Select(Gen.Int[1, 8], Gen.Int[20, 60]).SelectMany(t =>
        {
            var n = 1 << t.Item1;
            var tables = new NttTables(n, new Modulus(Primes.NttFriendly(t.Item2, n, 1)[0]));
            var coefficient = Gen.ULong[0, tables.Modulus.Value - 1];
            return Gen.Select(coefficient.Array[n], coefficient.Array[n], (a, b) => (tables, a, b));
        }).Sample(x =>
        {
            var (tables, a, b) = x;
            var q = tables.Modulus;
            var expected = new ulong[tables.Degree];
            for (var i = 0; i < a.Length; i++)
            {
                for (var j = 0; j < b.Length; j++)
                {
                    var product = q.Multiply(a[i], b[j]);
                    var k = i + j;
                    expected[k % a.Length] = k < a.Length ? q.Add(expected[k], product) : q.Subtract(expected[k - a.Length], product);
                }
            }

            var fa = (ulong[])a.Clone();
            var fb = (ulong[])b.Clone();
            Ntt.Forward(fa, tables);
            Ntt.Forward(fb, tables);
            for (var i = 0; i < fa.Length; i++)
            {
                fa[i] = q.Multiply(fa[i], fb[i]);
            }

            Ntt.Inverse(fa, tables);
            Assert.Equal(expected, fa);
        }, iter: 100);
    }

    [Fact]
    public void Full_size_transforms_round_trip_at_the_largest_primes()
    {
        foreach (var n in new[] { 4096, 8192, 16384, 32768 })
        {
            var tables = new NttTables(n, new Modulus(Primes.NttFriendly(60, n, 1)[0]));
            var a = new ulong[n];
            var random = new Random(n);
            for (var i = 0; i < n; i++)
            {
                a[i] = i % 7 == 0 ? tables.Modulus.Value - 1 : (ulong)random.NextInt64((long)tables.Modulus.Value);
            }

            var work = (ulong[])a.Clone();
            Ntt.Forward(work, tables);
            Ntt.Inverse(work, tables);
            Assert.Equal(a, work);
        }
    }

    [Fact]
    public void Wrong_length_or_wrong_modulus_is_refused()
    {
        var tables = new NttTables(8, new Modulus(Primes.NttFriendly(20, 8, 1)[0]));
        Assert.Throws<ArgumentException>(() => Ntt.Forward(new ulong[4], tables));
        Assert.Throws<ArgumentException>(() => Ntt.Inverse(new ulong[16], tables));
        Assert.Throws<ArgumentException>(() => new NttTables(8, new Modulus(65537 * 3)));
        Assert.Throws<ArgumentException>(() => new NttTables(65536, new Modulus(65537)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NttTables(12, new Modulus(65537)));
    }

    private static uint ReverseBits4(uint i) => ((i & 1) << 3) | ((i & 2) << 1) | ((i & 4) >> 1) | ((i & 8) >> 3);
}
