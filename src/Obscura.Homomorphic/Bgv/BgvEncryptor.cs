using System.Numerics;
using System.Security.Cryptography;
using Obscura.Homomorphic.Ckks;
using Obscura.Homomorphic.Internal;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Bgv;

/// <summary>Public-key and symmetric BGV encryption, and noise flooding for circuit privacy. Stateless; thread-safe.</summary>
public sealed class BgvEncryptor
{
    /// <summary>The largest flooding standard deviation accepted, 2^120 (samples stay inside 128-bit integers).</summary>
    public static readonly double MaxFloodingSigma = Math.Pow(2, 120);

    /// <summary>The largest standard deviation <c>Sampler.WideGaussian</c> draws from (its samples stay below 2^114).</summary>
    private static readonly double SamplerLimit = Math.Pow(2, 110);

    /// <summary>Creates an encryptor for <paramref name="parameters"/>.</summary>
    public BgvEncryptor(BgvParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
    }

    /// <summary>The parameter set.</summary>
    public BgvParameters Parameters { get; }

    /// <summary>
    /// Public-key encryption at the top level, doing the same work as SEAL: an encryption of zero
    /// (b·u + t·e0, a·u + t·e1) is formed modulo Q·P (u ternary, e0, e1 Gaussian), divided by P with the t-aware
    /// rounding (which leaves noise t·(rounding) instead of the key's t·e·u), then m is added. The result is less noisy
    /// than encrypting modulo Q alone.
    /// </summary>
    /// <exception cref="ArgumentException">The key or plaintext belongs to another parameter set.</exception>
    public BgvCiphertext Encrypt(BgvPublicKey publicKey, BgvPlaintext plaintext)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(plaintext);
        Parameters.EnsureSame(publicKey.Parameters, nameof(publicKey));
        Parameters.EnsureSame(plaintext.Parameters, nameof(plaintext));
        var ring = Parameters.Ring;
        var level = Parameters.MaxLevel;
        var (c0, c1) = EncryptZero(publicKey, ring.SpecialIndex + 1);
        var d0 = PolyMath.DivideRoundByLimb(c0, ring.SpecialIndex, ring.SpecialIndex, level + 1, ring);
        var d1 = PolyMath.DivideRoundByLimb(c1, ring.SpecialIndex, ring.SpecialIndex, level + 1, ring);
        var m = plaintext.Lift(level + 1);
        PolyMath.AddInPlace(d0, m, ring, level + 1);
        m.Clear();
        return new BgvCiphertext(Parameters, [d0, d1], level, correctionFactor: 1);
    }

    /// <summary>
    /// Symmetric encryption with the secret key at the top level: (−a·s + t·e + m, a), a uniform. Less noise than
    /// public-key encryption; a is expanded from a fresh 32-byte CSPRNG seed, so the ciphertext serialises as
    /// (c0, seed), about half the size (see <see cref="BgvCiphertext.IsSeeded"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The key or plaintext belongs to another parameter set.</exception>
    /// <exception cref="ObjectDisposedException">The secret key was disposed.</exception>
    public BgvCiphertext EncryptSymmetric(BgvSecretKey secretKey, BgvPlaintext plaintext)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        ArgumentNullException.ThrowIfNull(plaintext);
        Parameters.EnsureSame(secretKey.Parameters, nameof(secretKey));
        Parameters.EnsureSame(plaintext.Parameters, nameof(plaintext));
        var limbs = Parameters.MaxLevel + 1;
        var seed = RandomNumberGenerator.GetBytes(Sampler.SeedLength);
        var (c0, c1) = RlweSampling.EncryptZero(Parameters.Ring, secretKey.S, limbs, seed);
        var m = plaintext.Lift(limbs);
        PolyMath.AddInPlace(c0, m, Parameters.Ring, limbs);
        m.Clear();
        return new BgvCiphertext(Parameters, [c0, c1], Parameters.MaxLevel, correctionFactor: 1, seed);
    }

    /// <summary>
    /// Noise flooding for circuit privacy, in place: adds a fresh public-key encryption of zero at the ciphertext's level
    /// whose noise includes t·g, g a rounded Gaussian of standard deviation <paramref name="sigma"/>/t on every
    /// coefficient, so the added noise has standard deviation ≈ σ. The plaintext is unchanged.
    /// </summary>
    /// <remarks>
    /// Meaning: let B bound the noise |t·e| the circuit leaves in each coefficient, for every input the key holder must
    /// not tell apart (measured by the key holder with <see cref="BgvDecryptor.NoiseBits"/> on its own test runs, never
    /// taken from the evaluator). Two such noises differ by at most 2B per coefficient. After flooding, the noise is a
    /// function of t·e + t·g; for Gaussians of standard deviation σ shifted by at most 2B the Kullback–Leibler divergence
    /// is at most 2B²/σ² per coefficient, 2N·B²/σ² in all, so by Pinsker's inequality the statistical distance between
    /// the two flooded distributions is at most √N·B/σ (rounding g to an integer, the other fresh noise terms and any
    /// later modulus switch are post-processing and cannot increase it). The fresh encryption of zero also re-randomises
    /// c1 (under RLWE). With σ = 2^k·B the distance is at most √N·2^-k per decryption; divergences of independent
    /// decryptions add, so over q decryptions it is at most √(q·N)·2^-k. At N = 8192 (√N = 2^6.5), k = 20 gives 2^-13.5
    /// for one decryption; k = 60 gives 2^-38.5 even after 10^9 decryptions.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">σ is not finite, below t, above <see cref="MaxFloodingSigma"/>, σ/t is above 2^110, or σ is too large for the modulus at the ciphertext's level: 128·σ must stay below Q_ℓ, leaving room for the samples (below 8.6σ) and the existing noise.</exception>
    /// <exception cref="ArgumentException">The ciphertext or key belongs to another parameter set.</exception>
    public void AddFloodingNoise(BgvCiphertext ct, BgvPublicKey pk, double sigma)
    {
        ArgumentNullException.ThrowIfNull(ct);
        ArgumentNullException.ThrowIfNull(pk);
        Parameters.EnsureSame(ct.Parameters, nameof(ct));
        Parameters.EnsureSame(pk.Parameters, nameof(pk));
        var t = Parameters.PlainModulus.Value;
        if (!double.IsFinite(sigma) || sigma < t || sigma > MaxFloodingSigma || sigma / t > SamplerLimit)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(sigma), "The flooding σ is between t and 2^120, and σ/t at most 2^110 (the noise added is t·g with g of standard deviation σ/t).");
        }

        var modulus = Parameters.Ring.LevelBase(ct.Level).Product;
        if (new BigInteger(sigma) * 128 >= modulus)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(sigma), $"σ = 2^{Math.Log2(sigma):F1} does not fit the {(int)modulus.GetBitLength()}-bit modulus at level {ct.Level} with a 7-bit margin; flood at a higher level or lower σ.");
        }

        var ring = Parameters.Ring;
        var limbs = ct.Level + 1;
        // The zero encryption's own small error e0 in c0 is left out: t·g, far wider, takes its place (an RLWE sample
        // with a wider error is no easier), and one Gaussian and its transforms are saved per flooded ciphertext.
        var (c0, c1) = EncryptZero(pk, limbs, withE0: false);
        var samples = new Int128[Parameters.PolyDegree];
        Sampler.WideGaussian(sigma / t, samples);
        var flood = PolyMath.FromSigned<Int128>(samples, ring, limbs);
        Array.Clear(samples);
        PolyMath.MultiplyScalarInPlace(flood, (long)t, ring, limbs);
        PolyMath.AddInPlace(c0, flood, ring, limbs);
        flood.Clear();
        PolyMath.AddInPlace(ct.Components[0], c0, ring, limbs);
        PolyMath.AddInPlace(ct.Components[1], c1, ring, limbs);
        ct.Seed = null;
    }

    /// <summary>(b·u + t·e0, a·u + t·e1) (e0 left out when <paramref name="withE0"/> is false) on the first <paramref name="limbs"/> limbs of the key (index L + 1 is P).</summary>
    private (RnsPolynomial C0, RnsPolynomial C1) EncryptZero(BgvPublicKey publicKey, int limbs, bool withE0 = true)
    {
        var ring = Parameters.Ring;
        var small = new long[Parameters.PolyDegree];
        Sampler.Ternary(small);
        var u = PolyMath.FromSigned<long>(small, ring, limbs);
        Array.Clear(small);
        var c0 = PolyMath.Multiply(publicKey.B, u, ring, limbs);
        var c1 = PolyMath.Multiply(publicKey.A, u, ring, limbs);
        u.Clear();
        if (withE0)
        {
            var e0 = RlweSampling.Error(ring, limbs);
            PolyMath.AddInPlace(c0, e0, ring, limbs);
            e0.Clear();
        }

        var e1 = RlweSampling.Error(ring, limbs);
        PolyMath.AddInPlace(c1, e1, ring, limbs);
        e1.Clear();
        return (c0, c1);
    }
}
