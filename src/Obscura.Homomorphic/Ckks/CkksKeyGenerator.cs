using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Ckks;

/// <summary>Generates CKKS keys from the operating system's CSPRNG.</summary>
public static class CkksKeyGenerator
{
    /// <summary>A fresh secret key: s uniform ternary, held modulo every q_i and P.</summary>
    public static CkksSecretKey GenerateSecretKey(CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var coefficients = new long[parameters.PolyDegree];
        Sampler.Ternary(coefficients);
        var s = PolyMath.FromSigned(coefficients, parameters, parameters.MaxLevel + 2);
        Array.Clear(coefficients);
        return new CkksSecretKey(parameters, s);
    }

    /// <summary>The public key (−a·s + e, a) modulo Q for <paramref name="secretKey"/>, with a uniform and e Gaussian.</summary>
    public static CkksPublicKey CreatePublicKey(CkksSecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        var p = secretKey.Parameters;
        var limbs = p.MaxLevel + 1;
        var (b, a) = EncryptZero(secretKey, limbs);
        return new CkksPublicKey(p, b, a);
    }

    /// <summary>(−a·s + e, a) on the first <paramref name="limbs"/> limbs, a sampled uniformly in the NTT domain.</summary>
    internal static (RnsPolynomial B, RnsPolynomial A) EncryptZero(CkksSecretKey secretKey, int limbs)
    {
        var p = secretKey.Parameters;
        var a = new RnsPolynomial(p.PolyDegree, limbs, isNtt: true);
        for (var i = 0; i < limbs; i++)
        {
            Sampler.Uniform(a.Limb(i), p.ModulusAt(i));
        }

        var error = new long[p.PolyDegree];
        Sampler.Gaussian(error);
        var b = PolyMath.FromSigned(error, p, limbs);
        Array.Clear(error);
        var product = PolyMath.Multiply(a, secretKey.S, p, limbs);
        PolyMath.SubtractInPlace(b, product, p, limbs);
        product.Clear();
        return (b, a);
    }
}
