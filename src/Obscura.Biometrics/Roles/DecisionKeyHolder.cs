using System.Numerics;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Protection;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Roles;

/// <summary>
/// The key holder: the only role with the provider's homomorphic secret key. It decrypts a blinded comparison with
/// noise flooding and turns it into match / no match. Each decryption is reserved in a persistent budget before the
/// decryption runs, so a crash cannot hand out more flooded decryptions than the flooding bound allows.
/// </summary>
public sealed class DecisionKeyHolder : IDisposable
{
    private readonly CkksEncryptor _encryptor = new(ProtectedTemplateScheme.Parameters);
    private readonly CkksSecretKey _secretKey;
    private readonly NoiseFloodingDecryptor _decryptor;
    private readonly IDecryptionBudget _budget;

    /// <summary>Creates the key holder; it takes ownership of <paramref name="secretKey"/>.</summary>
    public DecisionKeyHolder(CkksSecretKey secretKey, NoiseFloodingPolicy policy, IDecryptionBudget budget)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(budget);
        _secretKey = secretKey;
        _budget = budget;
        _decryptor = new NoiseFloodingDecryptor(_encryptor, policy, budget.Used);
    }

    /// <summary>The flooding policy in force.</summary>
    public NoiseFloodingPolicy Policy => _decryptor.Policy;

    /// <summary>
    /// Measures the coefficient error of the comparison circuit under <paramref name="secretKey"/> and returns a policy
    /// whose bound E holds with overwhelming probability. The circuit's error is, to a close approximation, one centred
    /// Gaussian draw per comparison (the slot sum concentrates it in a single coefficient), so single trials vary by a
    /// factor of ten. Each trial therefore runs the real circuit on random templates at the largest blinding, with the
    /// reference carried through <see cref="ProtectedTemplateScheme.MaxKeySwitches"/> key switches (the worst a rotated
    /// template can have). From the trials, σ is estimated with a 99.9% upper confidence bound, and
    /// E = <see cref="ErrorSigmas"/>·σ: a Gaussian exceeds 8σ with probability below 2^-49.
    /// The flooding noise grows with the square root of the number of decryptions t, and too much noise flips
    /// decisions. Without <paramref name="maxDecryptions"/>, t is the largest budget whose decision noise (the
    /// standard deviation added to score − threshold) stays at or below <paramref name="maxDecisionNoise"/>. With it,
    /// that noise is checked instead.
    /// </summary>
    /// <exception cref="ArgumentException">The given budget would add more decision noise than allowed.</exception>
    public static NoiseFloodingPolicy Calibrate(CkksSecretKey secretKey, long? maxDecryptions, double maxDecisionNoise = DefaultMaxDecisionNoise, int trials = DefaultCalibrationTrials)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDecisionNoise);
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 8);
        ArgumentNullException.ThrowIfNull(secretKey);
        var errorBound = MeasureErrorBound(secretKey, trials);
        var single = new NoiseFloodingPolicy(errorBound, 1);
        var budget = maxDecryptions ?? (long)Math.Floor(Math.Pow(maxDecisionNoise / DecisionNoise(single), 2));
        var policy = new NoiseFloodingPolicy(errorBound, Math.Max(1, budget));
        if (DecisionNoise(policy) > maxDecisionNoise)
        {
            throw new ArgumentException($"{policy.MaxDecryptions} decryptions per key would add {DecisionNoise(policy):F3} of noise to each score, above the allowed {maxDecisionNoise}; allow fewer decryptions per key.", nameof(maxDecryptions));
        }

        return policy;
    }

    /// <summary>Trials when calibrating: enough for a tight upper bound on σ (a factor of 1.6 at 99.9%).</summary>
    public const int DefaultCalibrationTrials = 32;

    /// <summary>How many standard deviations of the measured circuit error the flooding bound E covers.</summary>
    public const double ErrorSigmas = 8;

    private static double MeasureErrorBound(CkksSecretKey secretKey, int trials)
    {
        var p = ProtectedTemplateScheme.Parameters;
        var encryptor = new CkksEncryptor(p);
        var evaluator = new CkksEvaluator(p);
        var publicKey = CkksKeyGenerator.CreatePublicKey(secretKey);
        var relin = CkksKeyGenerator.CreateRelinearizationKey(secretKey);
        var galois = CkksKeyGenerator.CreateGaloisKeys(secretKey, ProtectedTemplateScheme.RotationSteps);

        // A chain of throwaway keys ending at this one: references start at the first and are switched along it.
        var chain = Enumerable.Range(0, ProtectedTemplateScheme.MaxKeySwitches).Select(_ => CkksKeyGenerator.GenerateSecretKey(p)).ToArray();
        var switches = chain.Select((key, i) => CkksKeyGenerator.CreateKeySwitchKey(key, i + 1 < chain.Length ? chain[i + 1] : secretKey)).ToArray();
        var firstPublicKey = chain.Length > 0 ? CkksKeyGenerator.CreatePublicKey(chain[0]) : publicKey;
        foreach (var key in chain)
        {
            key.Dispose();
        }

        var sumOfSquares = 0.0;
        for (var trial = 0; trial < trials; trial++)
        {
            var x = RandomUnit(512);
            var y = RandomUnit(512);
            var a = ProtectedTemplateScheme.Slots(x, 1);
            var b = ProtectedTemplateScheme.Slots(y, -0.999);
            var expected = ProtectedTemplateScheme.MaxBlinding * (x.Zip(y, (u, v) => u * v).Sum() - 0.999);
            var reference = encryptor.Encrypt(firstPublicKey, encryptor.Encode(a));
            foreach (var key in switches)
            {
                reference = evaluator.SwitchKey(reference, key);
            }

            var probe = evaluator.MultiplyByConstant(encryptor.Encrypt(publicKey, encryptor.Encode(b)), ProtectedTemplateScheme.MaxBlinding, scale: 1);
            var result = ProtectedTemplateScheme.Compare(evaluator, reference, probe, relin, galois);
            var error = NoiseFloodingPolicy.MeasureCoefficientError(encryptor, secretKey, result, [.. Enumerable.Repeat(new Complex(expected, 0), p.SlotCount)]);
            sumOfSquares += error * error;
        }

        // 99.9% upper confidence bound on σ from the χ² distribution of n squared draws (Wilson–Hilferty quantile).
        var n = (double)trials;
        var h = 2 / (9 * n);
        var lowerQuantile = n * Math.Pow(1 - h - (3.0902 * Math.Sqrt(h)), 3);
        var sigmaUpper = Math.Sqrt(sumOfSquares / lowerQuantile);
        return ErrorSigmas * Math.Max(sigmaUpper, 1);
    }

    /// <summary>The standard deviation flooding adds to score − threshold (at blinding 1, the worst case).</summary>
    public static double DecisionNoise(NoiseFloodingPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var p = ProtectedTemplateScheme.Parameters;
        return policy.SlotStandardDeviation(p, p.DefaultScale * p.DefaultScale);
    }

    /// <summary>The default bound on decision noise: a score 0.1 from the threshold is then more than 3 standard deviations away.</summary>
    public const double DefaultMaxDecisionNoise = 0.03;

    /// <summary>Decrypts a blinded comparison and returns whether the score reached the threshold.</summary>
    /// <exception cref="CkksFormatException">Not a comparison result of the scheme.</exception>
    /// <exception cref="InvalidOperationException">The key's decryption budget is spent.</exception>
    public bool Decide(byte[] encryptedComparison)
    {
        var ciphertext = ParseResult(encryptedComparison);
        _budget.Reserve();
        return FloodedMargin(ciphertext) >= 0;
    }

    /// <summary>A serialised comparison result: a ciphertext of the scheme at the top level and the product's scale.</summary>
    /// <exception cref="CkksFormatException">It is not.</exception>
    internal static CkksCiphertext ParseResult(byte[] encryptedComparison)
    {
        ArgumentNullException.ThrowIfNull(encryptedComparison);
        var p = ProtectedTemplateScheme.Parameters;
        var ciphertext = CkksSerializer.DeserializeCiphertext(encryptedComparison, p);
        if (ciphertext.Level != p.MaxLevel || ciphertext.Scale != p.DefaultScale * p.DefaultScale)
        {
            throw new CkksFormatException("Not a comparison result: wrong level or scale.");
        }

        return ciphertext;
    }

    /// <summary>
    /// The flooded, blinded margin r·(score − t) + noise of a comparison result. The caller has reserved the decryption
    /// in the key's persistent budget already; this counts it in memory only.
    /// </summary>
    internal double FloodedMargin(CkksCiphertext result) => _encryptor.Decode(_decryptor.Decrypt(_secretKey, result))[0].Real;

    /// <inheritdoc/>
    public void Dispose() => _secretKey.Dispose();

    private static double[] RandomUnit(int d)
    {
        var random = new Random();
        var v = Enumerable.Range(0, d).Select(_ => random.NextDouble() - 0.5).ToArray();
        var norm = Math.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }
}
