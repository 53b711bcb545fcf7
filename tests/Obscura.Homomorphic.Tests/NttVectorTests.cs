using CsCheck;
using Obscura.Homomorphic.Arithmetic;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Tests;

/// <summary>The AVX2 and AVX-512 butterflies must equal the scalar ones bit for bit, for every degree, prime size and input.</summary>
public sealed class NttVectorTests
{
    [Theory]
    [InlineData(NttPath.Avx2)]
    [InlineData(NttPath.Avx512)]
    internal void Vector_and_scalar_transforms_agree_exactly(NttPath path)
    {
        Assert.SkipUnless(NttVector.Supports(path), $"This CPU cannot run the {path} path; only the others run here.");
        Gen.Select(Gen.Int[3, 15], Gen.Int[20, 60]).SelectMany(t =>
        {
            var n = 1 << t.Item1;
            var tables = new NttTables(n, new Modulus(Primes.NttFriendly(t.Item2, n, 1)[0]));
            return Gen.ULong[0, tables.Modulus.Value - 1].Array[n].Select(a => (tables, a));
        }).Sample(x =>
        {
            var (tables, a) = x;
            var scalar = (ulong[])a.Clone();
            var vector = (ulong[])a.Clone();
            Ntt.ForwardCore(scalar, tables, NttPath.Scalar);
            Ntt.ForwardCore(vector, tables, path);
            Assert.Equal(scalar, vector);
            Ntt.InverseCore(scalar, tables, NttPath.Scalar);
            Ntt.InverseCore(vector, tables, path);
            Assert.Equal(scalar, vector);
            Assert.Equal(a, vector);
        }, iter: 60);
    }

    [Theory]
    [InlineData(NttPath.Avx2)]
    [InlineData(NttPath.Avx512)]
    internal void Extreme_residues_agree_at_the_largest_modulus(NttPath path)
    {
        Assert.SkipUnless(NttVector.Supports(path), $"This CPU cannot run the {path} path; only the others run here.");
        var tables = new NttTables(8192, new Modulus(Primes.NttFriendly(60, 8192, 1)[0]));
        var a = Enumerable.Range(0, 8192).Select(i => i % 2 == 0 ? tables.Modulus.Value - 1 : 0UL).ToArray();
        var scalar = (ulong[])a.Clone();
        var vector = (ulong[])a.Clone();
        Ntt.ForwardCore(scalar, tables, NttPath.Scalar);
        Ntt.ForwardCore(vector, tables, path);
        Assert.Equal(scalar, vector);
    }
}
