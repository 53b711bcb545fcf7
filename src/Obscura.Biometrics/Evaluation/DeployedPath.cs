using System.Security.Cryptography;
using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Roles;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Evaluation;

/// <summary>Runs pairs through the deployed 1:1 decision path, with keys of its own (see <see cref="DeployedPathScores"/>).</summary>
internal static class DeployedPath
{
    /// <summary>Calibration trials for the evaluation's key: fewer than a deployed key's, since the decision noise is fixed by the budget rule, not by E.</summary>
    private const int CalibrationTrials = 8;

    private const string KeyId = "hek_evaluation";

    private const string SealingKeyId = "seal_evaluation";

    public static DeployedPathScores Run(IReadOnlyList<(TransformedTemplate Reference, TransformedTemplate Probe)> pairs, IReadOnlyList<double> plain, int genuineCount, double threshold, Random random)
    {
        var p = ProtectedTemplateScheme.Parameters;
        var encryptor = new CkksEncryptor(p);
        using var secret = CkksKeyGenerator.GenerateSecretKey(p);
        var capture = new CaptureClient(KeyId, CkksKeyGenerator.CreatePublicKey(secret));
        using var sealing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var sealer = new TemplateSealer(SealingKeyId, ECDsa.Create(sealing.ExportParameters(includePrivateParameters: true)));
        var comparison = new ComparisonService(
            KeyId,
            new TemplateSealVerifier(SealingKeyId, sealing.ExportSubjectPublicKeyInfo()),
            CkksKeyGenerator.CreateRelinearizationKey(secret),
            CkksKeyGenerator.CreateGaloisKeys(secret, ProtectedTemplateScheme.RotationSteps));

        // The budget rule of a new provider key: the largest t whose decision noise stays within the default bound.
        var policy = DecisionKeyHolder.Calibrate(secret, maxDecryptions: null, trials: CalibrationTrials);
        var decryptor = new NoiseFloodingDecryptor(encryptor, policy);
        var scores = new double[pairs.Count];
        for (var k = 0; k < pairs.Count; k++)
        {
            var reference = sealer.Seal($"enr_evaluation_{k}", "evaluation", "ttk_evaluation", KeyId, DateTimeOffset.UnixEpoch, capture.EncryptReference(pairs[k].Reference));
            var probe = capture.EncryptProbe(pairs[k].Probe, threshold);
            var blinding = random.Next(1, ProtectedTemplateScheme.MaxBlinding + 1);
            var result = CkksSerializer.DeserializeCiphertext(comparison.Compare(reference, "evaluation", probe, blinding), p);
            var margin = encryptor.Decode(decryptor.Decrypt(secret, result))[0].Real;
            scores[k] = threshold + (margin / blinding);
        }

        return new DeployedPathScores(
            $"deployed 1:1 decision path: reference and probe encrypted as the capture side does, seal check, blinding r in 1..4, product with relinearisation and 10-rotation block sum (ComparisonService), flooded decryption as the key holder does (flooding sized for t = {policy.MaxDecryptions} decisions, E calibrated with {CalibrationTrials} trials); score = t + margin / r",
            threshold,
            [.. plain.Take(genuineCount)],
            [.. plain.Skip(genuineCount)],
            scores[..genuineCount],
            scores[genuineCount..],
            DecisionKeyHolder.DecisionNoise(policy),
            Math.Log2(policy.Sigma),
            Math.Log2(policy.ErrorBound),
            policy.MaxDecryptions);
    }
}
