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
        var s = PolyMath.FromSigned<long>(coefficients, parameters.Ring, parameters.MaxLevel + 2);
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

    /// <summary>The relinearisation key: switches s² to s, so ciphertext products decrypt under s.</summary>
    public static CkksRelinearizationKey CreateRelinearizationKey(CkksSecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        var p = secretKey.Parameters;
        var square = PolyMath.Multiply(secretKey.S, secretKey.S, p.Ring, p.MaxLevel + 2);
        var key = KeySwitchingKey.Create(p.Ring, secretKey.S, square);
        square.Clear();
        return new CkksRelinearizationKey(p, key);
    }

    /// <summary>The key that switches ciphertexts under <paramref name="from"/> to ciphertexts under <paramref name="to"/> (key rotation).</summary>
    /// <exception cref="ArgumentException">The keys are of different parameter sets.</exception>
    public static CkksKeySwitchKey CreateKeySwitchKey(CkksSecretKey from, CkksSecretKey to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        to.Parameters.EnsureSame(from.Parameters, nameof(from));
        return new CkksKeySwitchKey(to.Parameters, KeySwitchingKey.Create(to.Parameters.Ring, to.S, from.S));
    }

    /// <summary>Galois keys for rotations by each of <paramref name="steps"/> slots (positive: left) and, if asked, conjugation.</summary>
    /// <exception cref="ArgumentException">A step is a multiple of N/2 (the identity).</exception>
    public static CkksGaloisKeys CreateGaloisKeys(CkksSecretKey secretKey, IEnumerable<int> steps, bool conjugation = false)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        ArgumentNullException.ThrowIfNull(steps);
        var p = secretKey.Parameters;
        var elements = new HashSet<int>();
        foreach (var step in steps)
        {
            if (step % p.SlotCount == 0)
            {
                throw new ArgumentException("A rotation by a multiple of N/2 slots is the identity; it needs no key.", nameof(steps));
            }

            elements.Add(CkksGaloisKeys.RotationElement(p.PolyDegree, step));
        }

        if (conjugation)
        {
            elements.Add(CkksGaloisKeys.ConjugationElement(p.PolyDegree));
        }

        var keys = new Dictionary<int, KeySwitchingKey>();
        foreach (var g in elements)
        {
            var rotated = KeySwitching.Automorphism(secretKey.S, g, p.Ring);
            keys[g] = KeySwitchingKey.Create(p.Ring, secretKey.S, rotated);
            rotated.Clear();
        }

        return new CkksGaloisKeys(p, keys);
    }

    /// <summary>(−a·s + e, a) on the first <paramref name="limbs"/> limbs, a sampled uniformly in the NTT domain.</summary>
    internal static (RnsPolynomial B, RnsPolynomial A) EncryptZero(CkksSecretKey secretKey, int limbs, ReadOnlySpan<byte> seed = default) =>
        RlweSampling.EncryptZero(secretKey.Parameters.Ring, secretKey.S, limbs, seed);

    /// <summary>The uniform polynomial (NTT form) a seed expands to; limb i depends only on the seed and i.</summary>
    internal static RnsPolynomial SeededPolynomial(CkksParameters p, int limbs, ReadOnlySpan<byte> seed) => RlweSampling.Seeded(p.Ring, limbs, seed);
}
