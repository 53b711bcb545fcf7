using Obscura.Homomorphic.Ckks;
using Obscura.Homomorphic.Internal;

namespace Obscura.Homomorphic.Bgv;

/// <summary>
/// Generates BGV keys from the operating system's CSPRNG. Every key-switching key (relinearisation, Galois) is hybrid,
/// with the special prime P: key_j = (−a_j·s + t·e_j + P·g_j·s′, a_j) modulo Q·P, one per RNS limb g_j. Stateless
/// apart from the parameter set; thread-safe.
/// </summary>
public sealed class BgvKeyGenerator
{
    /// <summary>Creates a key generator for <paramref name="parameters"/>.</summary>
    public BgvKeyGenerator(BgvParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
    }

    /// <summary>The parameter set.</summary>
    public BgvParameters Parameters { get; }

    /// <summary>A fresh secret key: s uniform ternary, held modulo every q_i and P.</summary>
    public BgvSecretKey CreateSecretKey()
    {
        var coefficients = new long[Parameters.PolyDegree];
        Sampler.Ternary(coefficients);
        var s = PolyMath.FromSigned<long>(coefficients, Parameters.Ring, Parameters.MaxLevel + 2);
        Array.Clear(coefficients);
        return new BgvSecretKey(Parameters, s);
    }

    /// <summary>The public key (−a·s + t·e, a) modulo Q·P for <paramref name="secretKey"/>, a uniform and e Gaussian.</summary>
    /// <exception cref="ArgumentException">The key belongs to another parameter set.</exception>
    /// <exception cref="ObjectDisposedException">The secret key was disposed.</exception>
    public BgvPublicKey CreatePublicKey(BgvSecretKey secretKey)
    {
        CheckKey(secretKey);
        var (b, a) = RlweSampling.EncryptZero(Parameters.Ring, secretKey.S, Parameters.MaxLevel + 2);
        return new BgvPublicKey(Parameters, b, a);
    }

    /// <summary>The relinearisation key: switches s² to s, so ciphertext products decrypt under s.</summary>
    /// <exception cref="ArgumentException">The key belongs to another parameter set.</exception>
    /// <exception cref="ObjectDisposedException">The secret key was disposed.</exception>
    public BgvRelinearizationKey CreateRelinearizationKey(BgvSecretKey secretKey)
    {
        CheckKey(secretKey);
        var ring = Parameters.Ring;
        var square = PolyMath.Multiply(secretKey.S, secretKey.S, ring, Parameters.MaxLevel + 2);
        var key = KeySwitchingKey.Create(ring, secretKey.S, square);
        square.Clear();
        return new BgvRelinearizationKey(Parameters, key);
    }

    /// <summary>
    /// Galois keys for row rotations by each of <paramref name="rowSteps"/> (positive: left, negative: right, as in SEAL)
    /// and, if <paramref name="columnSwap"/>, for exchanging the two rows.
    /// </summary>
    /// <exception cref="ArgumentException">A step is a multiple of N/2 (the identity, which needs no key), or the key belongs to another parameter set.</exception>
    /// <exception cref="ObjectDisposedException">The secret key was disposed.</exception>
    public BgvGaloisKeys CreateGaloisKeys(BgvSecretKey secretKey, IEnumerable<int> rowSteps, bool columnSwap)
    {
        CheckKey(secretKey);
        ArgumentNullException.ThrowIfNull(rowSteps);
        var n = Parameters.PolyDegree;
        var elements = new HashSet<int>();
        foreach (var step in rowSteps)
        {
            if (step % Parameters.RowSize == 0)
            {
                ThrowHelper.Argument(nameof(rowSteps), "A rotation by a multiple of N/2 slots is the identity; it needs no key.");
            }

            elements.Add(BgvGaloisKeys.RowRotationElement(n, step));
        }

        if (columnSwap)
        {
            elements.Add(BgvGaloisKeys.ColumnSwapElement(n));
        }

        var ring = Parameters.Ring;
        var keys = new Dictionary<int, KeySwitchingKey>();
        foreach (var g in elements)
        {
            var rotated = KeySwitching.Automorphism(secretKey.S, g, ring);
            keys[g] = KeySwitchingKey.Create(ring, secretKey.S, rotated);
            rotated.Clear();
        }

        return new BgvGaloisKeys(Parameters, keys);
    }

    /// <summary>The key that switches ciphertexts under <paramref name="from"/> to <paramref name="to"/> (a rotation).</summary>
    /// <exception cref="ArgumentException">A key belongs to another parameter set.</exception>
    /// <exception cref="ObjectDisposedException">A secret key was disposed.</exception>
    public BgvKeySwitchKey CreateKeySwitchKey(BgvSecretKey from, BgvSecretKey to)
    {
        CheckKey(from);
        CheckKey(to);
        return new BgvKeySwitchKey(Parameters, KeySwitchingKey.Create(Parameters.Ring, to.S, from.S));
    }

    private void CheckKey(BgvSecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        Parameters.EnsureSame(secretKey.Parameters, nameof(secretKey));
    }
}
