using System.Numerics;
using System.Security.Cryptography;
using Obscura.Homomorphic.Internal;

namespace Obscura.Homomorphic.Ckks;

/// <summary>Encoding, encryption, decryption and decoding for one parameter set. Stateless apart from tables; thread-safe.</summary>
public sealed class CkksEncryptor
{
    private readonly CkksEncoder _encoder;

    /// <summary>Creates an encryptor for <paramref name="parameters"/>.</summary>
    public CkksEncryptor(CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
        _encoder = new CkksEncoder(parameters.PolyDegree);
    }

    /// <summary>The parameter set.</summary>
    public CkksParameters Parameters { get; }

    /// <summary>Encodes up to N/2 slot values at <paramref name="level"/> (default: the top) and <paramref name="scale"/> (default Δ).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The level is outside 0…L, or scale × values do not fit below half the modulus at that level.</exception>
    public CkksPlaintext Encode(ReadOnlySpan<Complex> values, int? level = null, double? scale = null)
    {
        var l = level ?? Parameters.MaxLevel;
        if (l < 0 || l > Parameters.MaxLevel)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(level), $"The level is between 0 and {Parameters.MaxLevel}.");
        }

        var s = scale ?? Parameters.DefaultScale;
        var coefficients = new Int128[Parameters.PolyDegree];
        _encoder.Encode(values, s, coefficients);
        var half = Parameters.LevelBase(l).Product / 2;
        var limit = half > (BigInteger)Int128.MaxValue ? Int128.MaxValue : (Int128)half; // coefficients stay below 2^120
        foreach (var c in coefficients)
        {
            if (Int128.Abs(c) >= limit)
            {
                ThrowHelper.ArgumentOutOfRange(nameof(scale), "Scale × values exceed the ciphertext modulus at this level; lower the scale or the values.");
            }
        }

        return new CkksPlaintext(Parameters, PolyMath.FromSigned(coefficients, Parameters.Ring, l + 1), l, s);
    }

    /// <summary>Encodes real values (imaginary parts zero).</summary>
    public CkksPlaintext Encode(ReadOnlySpan<double> values, int? level = null, double? scale = null)
    {
        var complex = new Complex[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            complex[i] = values[i];
        }

        return Encode(complex, level, scale);
    }

    /// <summary>Decodes a plaintext into its N/2 slot values (coefficients centred modulo q_0 … q_ℓ, divided by the scale).</summary>
    public Complex[] Decode(CkksPlaintext plaintext)
    {
        var coefficients = CentredCoefficients(plaintext);
        var slots = new Complex[Parameters.SlotCount];
        _encoder.Decode(coefficients, plaintext.Scale, slots);
        return slots;
    }

    /// <summary>The plaintext's coefficients, centred modulo q_0 … q_ℓ (not divided by the scale).</summary>
    internal double[] CentredCoefficients(CkksPlaintext plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        Parameters.EnsureSame(plaintext.Parameters, nameof(plaintext));
        var poly = plaintext.Polynomial.Clone();
        PolyMath.FromNtt(poly, Parameters.Ring);
        var @base = Parameters.LevelBase(plaintext.Level);
        var half = @base.Product / 2;
        var coefficients = new double[Parameters.PolyDegree];
        Span<ulong> residues = stackalloc ulong[poly.Limbs];
        for (var j = 0; j < coefficients.Length; j++)
        {
            for (var i = 0; i < poly.Limbs; i++)
            {
                residues[i] = poly.Limb(i)[j];
            }

            var value = @base.Compose(residues);
            coefficients[j] = (double)(value > half ? value - @base.Product : value);
        }

        poly.Clear();
        return coefficients;
    }

    /// <summary>Public-key encryption: (b·u + e0 + m, a·u + e1) with u ternary and e0, e1 Gaussian.</summary>
    public CkksCiphertext Encrypt(CkksPublicKey publicKey, CkksPlaintext plaintext)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(plaintext);
        Parameters.EnsureSame(publicKey.Parameters, nameof(publicKey));
        Parameters.EnsureSame(plaintext.Parameters, nameof(plaintext));
        var limbs = plaintext.Level + 1;
        var small = new long[Parameters.PolyDegree];
        Sampler.Ternary(small);
        var u = PolyMath.FromSigned(small, Parameters.Ring, limbs);
        Sampler.Gaussian(small);
        var c0 = PolyMath.FromSigned(small, Parameters.Ring, limbs);
        Sampler.Gaussian(small);
        var c1 = PolyMath.FromSigned(small, Parameters.Ring, limbs);
        Array.Clear(small);
        var bu = PolyMath.Multiply(publicKey.B, u, Parameters.Ring, limbs);
        var au = PolyMath.Multiply(publicKey.A, u, Parameters.Ring, limbs);
        u.Clear();
        PolyMath.AddInPlace(c0, bu, Parameters.Ring, limbs);
        PolyMath.AddInPlace(c0, plaintext.Polynomial, Parameters.Ring, limbs);
        PolyMath.AddInPlace(c1, au, Parameters.Ring, limbs);
        return new CkksCiphertext(Parameters, c0, c1, plaintext.Level, plaintext.Scale);
    }

    /// <summary>
    /// Symmetric encryption with the secret key: (−a·s + e + m, a), a uniform. Less noise than public-key encryption;
    /// a is expanded from a fresh 32-byte CSPRNG seed, so the ciphertext serialises as (c0, seed): see <see cref="CkksCiphertext.IsSeeded"/>.
    /// </summary>
    public CkksCiphertext EncryptSymmetric(CkksSecretKey secretKey, CkksPlaintext plaintext)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        ArgumentNullException.ThrowIfNull(plaintext);
        Parameters.EnsureSame(secretKey.Parameters, nameof(secretKey));
        Parameters.EnsureSame(plaintext.Parameters, nameof(plaintext));
        var limbs = plaintext.Level + 1;
        var seed = RandomNumberGenerator.GetBytes(Sampler.SeedLength);
        var (c0, c1) = CkksKeyGenerator.EncryptZero(secretKey, limbs, seed);
        PolyMath.AddInPlace(c0, plaintext.Polynomial, Parameters.Ring, limbs);
        return new CkksCiphertext(Parameters, c0, c1, plaintext.Level, plaintext.Scale, seed);
    }

    /// <summary>
    /// Decrypts to a plaintext: c0 + c1·s. The result carries the encryption noise; decode it for values. For the key
    /// holder's own eyes only: a result anyone else will see goes through <see cref="NoiseFloodingDecryptor"/>, because
    /// a plain CKKS decryption together with its ciphertext reveals the secret key (Li–Micciancio).
    /// </summary>
    public CkksPlaintext Decrypt(CkksSecretKey secretKey, CkksCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        ArgumentNullException.ThrowIfNull(ciphertext);
        Parameters.EnsureSame(secretKey.Parameters, nameof(secretKey));
        Parameters.EnsureSame(ciphertext.Parameters, nameof(ciphertext));
        var limbs = ciphertext.Level + 1;
        var m = PolyMath.Multiply(ciphertext.C1, secretKey.S, Parameters.Ring, limbs);
        PolyMath.AddInPlace(m, ciphertext.C0, Parameters.Ring, limbs);
        return new CkksPlaintext(Parameters, m, ciphertext.Level, ciphertext.Scale);
    }
}
