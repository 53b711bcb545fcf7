using System.Numerics;
using Obscura.Homomorphic.Internal;

namespace Obscura.Homomorphic.Ckks;

/// <summary>
/// How much noise to add when a CKKS decryption will be seen by anyone but the key holder (Li–Micciancio, EUROCRYPT
/// 2021: a plain CKKS decryption m + e, together with its ciphertext, gives away the secret key by linear algebra).
/// </summary>
/// <remarks>
/// The flooding noise is a rounded Gaussian added to every coefficient of the decrypted polynomial, with standard
/// deviation σ = E · √(64 t) · 2^(s/2), where E bounds the infinity norm of the coefficient error of the ciphertexts that
/// will be decrypted, t is the number of decryptions under one key and s the statistical security in bits. This is the
/// bound of Li, Micciancio, Schultz and Sorrell (CRYPTO 2022) for t adaptive decryption queries, as restated by later
/// work comparing flooding bounds. It is only as good as E: E must be an honest bound for the circuit the key holder
/// agreed to decrypt, measured by the key holder (see <see cref="MeasureCoefficientError"/>), never a value taken from
/// the party that ran the computation.
/// </remarks>
public sealed class NoiseFloodingPolicy
{
    /// <summary>The statistical security used when none is given (OpenFHE's default too).</summary>
    public const int DefaultStatisticalSecurityBits = 30;

    /// <summary>The largest σ the sampler supports (samples stay below 2^114, inside 128-bit integers).</summary>
    public static readonly double MaxSigma = Math.Pow(2, 110);

    /// <summary>Creates a policy.</summary>
    /// <param name="errorBound">Bound E on the coefficient error of decrypted ciphertexts, in coefficient units (≥ 1).</param>
    /// <param name="maxDecryptions">t: how many decryptions one key may serve before it must be replaced (≥ 1).</param>
    /// <param name="statisticalSecurityBits">s, between 16 and 80 bits.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range, or σ would exceed <see cref="MaxSigma"/>.</exception>
    public NoiseFloodingPolicy(double errorBound, long maxDecryptions, int statisticalSecurityBits = DefaultStatisticalSecurityBits)
    {
        if (!double.IsFinite(errorBound) || errorBound < 1)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(errorBound), "The error bound is a finite number of at least 1 (coefficient units).");
        }

        if (maxDecryptions < 1)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(maxDecryptions), "At least one decryption must be allowed.");
        }

        if (statisticalSecurityBits is < 16 or > 80)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(statisticalSecurityBits), "Statistical security is between 16 and 80 bits.");
        }

        ErrorBound = errorBound;
        MaxDecryptions = maxDecryptions;
        StatisticalSecurityBits = statisticalSecurityBits;
        Sigma = errorBound * Math.Sqrt(64.0 * maxDecryptions) * Math.Pow(2, statisticalSecurityBits / 2.0);
        if (Sigma > MaxSigma)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(errorBound), $"These settings need σ = 2^{Math.Log2(Sigma):F1}, above the supported 2^110; lower the error bound or the number of decryptions.");
        }
    }

    /// <summary>E: the bound on the coefficient error of the ciphertexts to be decrypted.</summary>
    public double ErrorBound { get; }

    /// <summary>t: the number of decryptions one key may serve.</summary>
    public long MaxDecryptions { get; }

    /// <summary>s: statistical security in bits.</summary>
    public int StatisticalSecurityBits { get; }

    /// <summary>σ of the flooding noise, in coefficient units.</summary>
    public double Sigma { get; }

    /// <summary>
    /// Standard deviation that flooding adds to the real (or imaginary) part of each decoded slot at
    /// <paramref name="scale"/>: σ·√(N/2)/scale, since each slot is a sum of N noisy coefficients times unit roots.
    /// </summary>
    public double SlotStandardDeviation(CkksParameters parameters, double scale)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return Sigma * Math.Sqrt(parameters.PolyDegree / 2.0) / scale;
    }

    /// <summary>
    /// The infinity norm of the coefficient error of <paramref name="ciphertext"/> against the values it should hold:
    /// ‖Decrypt(ct) − Encode(expected)‖∞. The key holder runs the agreed circuit on known inputs under a key of its own,
    /// takes the largest value over many trials and a safety factor, and uses that as <see cref="ErrorBound"/>.
    /// </summary>
    public static double MeasureCoefficientError(CkksEncryptor encryptor, CkksSecretKey secretKey, CkksCiphertext ciphertext, ReadOnlySpan<Complex> expected)
    {
        ArgumentNullException.ThrowIfNull(encryptor);
        ArgumentNullException.ThrowIfNull(ciphertext);
        var actual = encryptor.CentredCoefficients(encryptor.Decrypt(secretKey, ciphertext));
        var reference = encryptor.CentredCoefficients(encryptor.Encode(expected, ciphertext.Level, ciphertext.Scale));
        var max = 0.0;
        for (var i = 0; i < actual.Length; i++)
        {
            max = Math.Max(max, Math.Abs(actual[i] - reference[i]));
        }

        return max;
    }
}

/// <summary>
/// Decrypts ciphertexts whose results are shared, adding <see cref="NoiseFloodingPolicy.Sigma"/> of Gaussian noise to
/// every coefficient, and counts decryptions against the policy's budget t so a key is never used past the bound.
/// Thread-safe.
/// </summary>
public sealed class NoiseFloodingDecryptor
{
    private readonly CkksEncryptor _encryptor;
    private long _used;

    /// <summary>Creates a decryptor; <paramref name="alreadyUsed"/> carries the count of a key that was used before (persisted by the caller).</summary>
    public NoiseFloodingDecryptor(CkksEncryptor encryptor, NoiseFloodingPolicy policy, long alreadyUsed = 0)
    {
        ArgumentNullException.ThrowIfNull(encryptor);
        ArgumentNullException.ThrowIfNull(policy);
        if (alreadyUsed < 0)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(alreadyUsed), "The count of past decryptions is not negative.");
        }

        _encryptor = encryptor;
        Policy = policy;
        _used = alreadyUsed;
    }

    /// <summary>The policy in force.</summary>
    public NoiseFloodingPolicy Policy { get; }

    /// <summary>Decryptions served so far under this key.</summary>
    public long Used => Interlocked.Read(ref _used);

    /// <summary>Decryptions left before the key must be replaced.</summary>
    public long Remaining => Math.Max(0, Policy.MaxDecryptions - Used);

    /// <summary>Decrypts with flooding noise.</summary>
    /// <exception cref="InvalidOperationException">The key's decryption budget is spent.</exception>
    /// <exception cref="ArgumentException">The flooding noise would not fit in the modulus at the ciphertext's level.</exception>
    public CkksPlaintext Decrypt(CkksSecretKey secretKey, CkksCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        ArgumentNullException.ThrowIfNull(ciphertext);
        var parameters = _encryptor.Parameters;
        parameters.EnsureSame(ciphertext.Parameters, nameof(ciphertext));

        // The samples are below 8.6σ; ask for room of 16σ plus the message itself below Q_ℓ/2.
        var headroom = parameters.LevelBase(ciphertext.Level).Product / 4;
        if (new BigInteger(Policy.Sigma * 16) >= headroom)
        {
            ThrowHelper.Argument(nameof(ciphertext), "The flooding noise does not fit in the modulus at this level; decrypt at a higher level or use a larger modulus.");
        }

        if (Interlocked.Increment(ref _used) > Policy.MaxDecryptions)
        {
            Interlocked.Decrement(ref _used);
            throw new InvalidOperationException($"This key has served its {Policy.MaxDecryptions} flooded decryptions; replace the key.");
        }

        var plaintext = _encryptor.Decrypt(secretKey, ciphertext);
        var samples = new Int128[parameters.PolyDegree];
        Sampler.WideGaussian(Policy.Sigma, samples);
        var noise = PolyMath.FromSigned(samples, parameters.Ring, ciphertext.Level + 1);
        Array.Clear(samples);
        PolyMath.AddInPlace(plaintext.Polynomial, noise, parameters.Ring, ciphertext.Level + 1);
        noise.Clear();
        return plaintext;
    }
}
