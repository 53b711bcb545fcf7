using System.Numerics;
using Obscura.Biometrics.Keys;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Identification;

/// <summary>
/// The key holder of 1:N identification: the only role with the 1:N provider secret key (a key of
/// <see cref="GalleryScheme.Parameters"/>, separate from the 1:1 key). It decrypts each block of a search with noise
/// flooding and returns the subjects whose margin reached 0. Each block is one flooded decryption, reserved before it
/// runs in the key's <see cref="IDecryptionBudget"/> under the policy in force: the budget is bound to one policy and
/// refuses another, and counts against that policy's t for every holder of the key together. In the product the budget
/// is the key holder folder's <see cref="GalleryDecryptionBudget"/> (<see cref="Open"/>), shared by its processes.
/// It learns each template's margin under flooding noise, not only the matches.
/// </summary>
public sealed class GalleryKeyHolder : IDisposable
{
    /// <summary>The default bound on the decision noise: a score 0.1 from the threshold is then more than 3 standard deviations away.</summary>
    public const double DefaultMaxDecisionNoise = 0.03;

    /// <summary>How many standard deviations of the measured error the flooding bound E covers.</summary>
    public const double ErrorSigmas = 8;

    /// <summary>Calibration trials when none are given; each decrypts N coefficients, so a few give a tight bound.</summary>
    public const int DefaultCalibrationTrials = 8;

    private readonly CkksEncryptor _encryptor = new(GalleryScheme.Parameters);
    private readonly CkksSecretKey _secretKey;
    private readonly NoiseFloodingDecryptor _decryptor;
    private readonly IDecryptionBudget _budget;
    private readonly IDisposable? _ownedBudget;

    /// <summary>
    /// Creates the key holder; it takes ownership of <paramref name="secretKey"/>. Every decryption is reserved in
    /// <paramref name="budget"/> under <paramref name="policy"/>, which the budget refuses if it is bound to another.
    /// </summary>
    /// <exception cref="ArgumentException">The key is not a 1:N key.</exception>
    public GalleryKeyHolder(CkksSecretKey secretKey, NoiseFloodingPolicy policy, IDecryptionBudget budget)
        : this(secretKey, policy, budget, ownsBudget: false)
    {
    }

    private GalleryKeyHolder(CkksSecretKey secretKey, NoiseFloodingPolicy policy, IDecryptionBudget budget, bool ownsBudget)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(budget);
        EncryptedGallery.CheckParameters(secretKey.Parameters, nameof(secretKey));
        _secretKey = secretKey;
        _budget = budget;
        _ownedBudget = ownsBudget ? budget as IDisposable : null;
        _decryptor = new NoiseFloodingDecryptor(_encryptor, policy, budget.Used);
    }

    /// <summary>
    /// Opens the key holder of the 1:N key <paramref name="keyId"/> on its folder <paramref name="directory"/>, where
    /// every process that holds the key shares one <see cref="GalleryDecryptionBudget"/>. The policy stored there is
    /// used; the first opening calibrates one (<see cref="Calibrate"/>) and stores it, so every process floods with the
    /// same σ and their decryptions together stay within its t. Takes ownership of <paramref name="secretKey"/>.
    /// </summary>
    /// <param name="secretKey">The 1:N provider secret key.</param>
    /// <param name="directory">The key holder's own folder (created owner-only).</param>
    /// <param name="keyId">The key's id; a rotated key gets a new id and a new count.</param>
    /// <param name="maxDecryptions">t for the first calibration; when given, it must match a stored policy's t.</param>
    /// <exception cref="FloodingPolicyMismatchException"><paramref name="maxDecryptions"/> differs from the stored t.</exception>
    public static GalleryKeyHolder Open(CkksSecretKey secretKey, string directory, string keyId, long? maxDecryptions = null)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        EncryptedGallery.CheckParameters(secretKey.Parameters, nameof(secretKey));
        var budget = GalleryDecryptionBudget.Open(directory, keyId);
        try
        {
            var policy = budget.Policy ?? budget.Adopt(Calibrate(secretKey, maxDecryptions));
            if (maxDecryptions is { } t && t != policy.MaxDecryptions)
            {
                throw new FloodingPolicyMismatchException();
            }

            return new GalleryKeyHolder(secretKey, policy, budget, ownsBudget: true);
        }
        catch
        {
            budget.Dispose();
            throw;
        }
    }

    /// <summary>The flooding policy in force.</summary>
    public NoiseFloodingPolicy Policy => _decryptor.Policy;

    /// <summary>
    /// Measures the coefficient error of the search circuit under <paramref name="secretKey"/> and returns a flooding
    /// policy for it. A search result's error is Σ_j w_j·e_j + e_z, the probe's integers times the columns' fresh
    /// encryption errors plus the error of the fresh encryption that re-randomises the result: its coefficients are
    /// alike and nearly independent, so each trial, a real search result over 16 columns
    /// (<see cref="EncryptedGallery.SearchResult"/>, re-randomisation included) at the largest norm a probe's weights
    /// can have (512 + √512/2), gives N samples. σ is their root mean square
    /// (computed from the decoded slots by Parseval's identity), taken at its 99.9% upper confidence bound, and
    /// E = <see cref="ErrorSigmas"/>·σ. Without <paramref name="maxDecryptions"/>, the budget t is the largest whose
    /// decision noise stays at or below <paramref name="maxDecisionNoise"/>; with it, that noise is checked instead.
    /// </summary>
    /// <exception cref="ArgumentException">Not a 1:N key, or the given budget would add more decision noise than allowed.</exception>
    public static NoiseFloodingPolicy Calibrate(CkksSecretKey secretKey, long? maxDecryptions, double maxDecisionNoise = DefaultMaxDecisionNoise, int trials = DefaultCalibrationTrials)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDecisionNoise);
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 2);
        EncryptedGallery.CheckParameters(secretKey.Parameters, nameof(secretKey));
        var p = GalleryScheme.Parameters;
        var encryptor = new CkksEncryptor(p);
        var publicKey = CkksKeyGenerator.CreatePublicKey(secretKey);
        var random = new Random();
        const int Columns = 16;
        var weightNorm = GalleryScheme.MaxWeightNorm;
        var evaluator = new CkksEvaluator(p);
        var zero = encryptor.Encode(new Complex[p.SlotCount], GalleryScheme.SearchLevel, GalleryScheme.ResultScale);
        var sumOfSquares = 0.0;
        for (var trial = 0; trial < trials; trial++)
        {
            var values = Enumerable.Range(0, Columns).Select(_ => Enumerable.Range(0, p.SlotCount).Select(_ => new Complex(Normal(random), Normal(random)) / Math.Sqrt(512)).ToArray()).ToArray();
            var batch = CkksCiphertextBatch.Create([.. values.Select(v => encryptor.Encrypt(publicKey, encryptor.Encode(v, p.MaxLevel, GalleryScheme.GalleryScale)))]);
            var direction = Enumerable.Range(0, Columns).Select(_ => Normal(random)).ToArray();
            var length = Math.Sqrt(direction.Sum(x => x * x));
            var weights = direction.Select(x => (int)Math.Round(x / length * weightNorm)).ToArray();
            var result = EncryptedGallery.SearchResult(evaluator, encryptor, publicKey, batch, weights, zero);
            var decoded = encryptor.Decode(encryptor.Decrypt(secretKey, result));
            for (var k = 0; k < p.SlotCount; k++)
            {
                var expected = Complex.Zero;
                for (var c = 0; c < Columns; c++)
                {
                    expected += values[c][k] * weights[c] / GalleryScheme.ProbeScale;
                }

                sumOfSquares += Complex.Abs(decoded[k] - expected) * Complex.Abs(decoded[k] - expected);
            }
        }

        // Parseval: Σ_k |slot error_k|² · Δ² = (N/2) · Σ_i e_i², so the mean squared coefficient error is 2Δ²·Σ|·|²/N².
        var n = (double)p.PolyDegree;
        var samples = n * trials;
        var meanSquare = 2 * GalleryScheme.ResultScale * GalleryScheme.ResultScale * sumOfSquares / (n * n * trials);

        // 99.9% upper confidence bound on σ² from the χ² distribution of the samples (Wilson–Hilferty quantile).
        var h = 2 / (9 * samples);
        var sigmaUpper = Math.Sqrt(meanSquare / Math.Pow(1 - h - (3.0902 * Math.Sqrt(h)), 3));
        var errorBound = ErrorSigmas * Math.Max(sigmaUpper, 1);
        var single = new NoiseFloodingPolicy(errorBound, 1);
        var budget = maxDecryptions ?? (long)Math.Floor(Math.Pow(maxDecisionNoise / DecisionNoise(single), 2));
        var policy = new NoiseFloodingPolicy(errorBound, Math.Max(1, budget));
        if (DecisionNoise(policy) > maxDecisionNoise)
        {
            throw new ArgumentException($"{policy.MaxDecryptions} decryptions per key would add {DecisionNoise(policy):F3} of noise to each margin, above the allowed {maxDecisionNoise}; allow fewer decryptions per key.", nameof(maxDecryptions));
        }

        return policy;
    }

    /// <summary>The standard deviation flooding adds to each template's score − t: σ·√(N/2) / 2^61.</summary>
    public static double DecisionNoise(NoiseFloodingPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.SlotStandardDeviation(GalleryScheme.Parameters, GalleryScheme.ResultScale);
    }

    /// <summary>The subjects whose score reached the threshold, from each block's flooded margins (one decryption per block).</summary>
    /// <exception cref="CkksFormatException">A block is not a search result of the 1:N scheme (parameter set, level, scale or size).</exception>
    /// <exception cref="DecisionBudgetSpentException">The key's decryption budget is spent (counted over every holder of the key).</exception>
    /// <exception cref="FloodingPolicyMismatchException">The budget is bound to another flooding policy than this holder's.</exception>
    public IReadOnlyList<string> Identify(IReadOnlyList<EncryptedBlockScores> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        foreach (var block in blocks)
        {
            ArgumentNullException.ThrowIfNull(block);
            var margins = block.Margins;
            if (!ReferenceEquals(margins.Parameters, GalleryScheme.Parameters) || margins.Level != GalleryScheme.SearchLevel
                || Math.Abs(margins.Scale - GalleryScheme.ResultScale) > 1e-9 * GalleryScheme.ResultScale || block.SubjectIds.Count > GalleryScheme.BlockSize)
            {
                throw new CkksFormatException("Not a 1:N search result: wrong parameter set, level, scale or number of subjects.");
            }

            GalleryFormat.CheckSubjectIds(block.SubjectIds, m => new CkksFormatException($"Not a 1:N search result: {m}"));
        }

        var matches = new List<string>();
        foreach (var block in blocks)
        {
            _budget.Reserve(Policy);
            var slots = _encryptor.Decode(_decryptor.Decrypt(_secretKey, block.Margins));
            for (var k = 0; k < block.SubjectIds.Count; k++)
            {
                var margin = k < slots.Length ? slots[k].Real : slots[k - slots.Length].Imaginary;
                if (margin >= 0)
                {
                    matches.Add(block.SubjectIds[k]);
                }
            }

            Array.Clear(slots);
        }

        return matches;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _secretKey.Dispose();
        _ownedBudget?.Dispose();
    }

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
