using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Ckks;

/// <summary>
/// Fresh RLWE samples for either scheme: uniform polynomials (from the CSPRNG or expanded from a seed) and encryptions
/// of zero (−a·s + f·e, a) with e Gaussian and f the ring's error factor (1 for CKKS, t for BGV).
/// </summary>
internal static class RlweSampling
{
    /// <summary>(−a·s + f·e, a) on the first <paramref name="limbs"/> limbs, a uniform in the NTT domain (from <paramref name="seed"/> when given).</summary>
    public static (RnsPolynomial B, RnsPolynomial A) EncryptZero(RingContext ring, RnsPolynomial secret, int limbs, ReadOnlySpan<byte> seed = default)
    {
        var a = seed.IsEmpty ? Uniform(ring, limbs) : Seeded(ring, limbs, seed);
        var b = Error(ring, limbs);
        var product = PolyMath.Multiply(a, secret, ring, limbs);
        PolyMath.SubtractInPlace(b, product, ring, limbs);
        product.Clear();
        return (b, a);
    }

    /// <summary>f·e in NTT form on the first <paramref name="limbs"/> limbs, e a fresh rounded Gaussian (σ = 3.2) and f the error factor.</summary>
    public static RnsPolynomial Error(RingContext ring, int limbs)
    {
        var error = new long[ring.PolyDegree];
        Sampler.Gaussian(error);
        var e = PolyMath.FromSigned<long>(error, ring, limbs);
        Array.Clear(error);
        if (ring.ErrorFactor != 1)
        {
            PolyMath.MultiplyScalarInPlace(e, (long)ring.ErrorFactor, ring, limbs);
        }

        return e;
    }

    /// <summary>A uniform polynomial (NTT form) from the CSPRNG.</summary>
    public static RnsPolynomial Uniform(RingContext ring, int limbs)
    {
        var a = new RnsPolynomial(ring.PolyDegree, limbs, isNtt: true);
        for (var i = 0; i < limbs; i++)
        {
            Sampler.Uniform(a.Limb(i), ring.ModulusAt(i));
        }

        return a;
    }

    /// <summary>The uniform polynomial (NTT form) a seed expands to; limb i depends only on the seed and i.</summary>
    public static RnsPolynomial Seeded(RingContext ring, int limbs, ReadOnlySpan<byte> seed)
    {
        var a = new RnsPolynomial(ring.PolyDegree, limbs, isNtt: true);
        for (var i = 0; i < limbs; i++)
        {
            Sampler.UniformFromSeed(seed, i, a.Limb(i), ring.ModulusAt(i));
        }

        return a;
    }
}
