using System.Security.Cryptography;
using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Roles;
using Obscura.Homomorphic.Bgv;

namespace Obscura.Biometrics.Evaluation;

/// <summary>Runs pairs through the deployed 1:1 decision path, with keys of its own (see <see cref="DeployedPathScores"/>).</summary>
internal static class DeployedPath
{
    private const string KeyId = "hek_evaluation";

    private const string SealingKeyId = "seal_evaluation";

    public static DeployedPathScores Run(IReadOnlyList<(TransformedTemplate Reference, TransformedTemplate Probe)> pairs, IReadOnlyList<double> plain, int genuineCount, double threshold)
    {
        var generator = new BgvKeyGenerator(ProtectedTemplateScheme.Parameters);
        var secret = generator.CreateSecretKey();
        var publicKey = generator.CreatePublicKey(secret);
        var capture = new CaptureClient(KeyId, publicKey);
        using var sealing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var sealer = new TemplateSealer(SealingKeyId, ECDsa.Create(sealing.ExportParameters(includePrivateParameters: true)));
        var comparison = new ComparisonService(
            KeyId,
            new TemplateSealVerifier(SealingKeyId, sealing.ExportSubjectPublicKeyInfo()),
            publicKey,
            generator.CreateRelinearizationKey(secret),
            generator.CreateGaloisKeys(secret, ProtectedTemplateScheme.RotationSteps, columnSwap: false));
        using var keyHolder = new DecisionKeyHolder(secret);
        var decisions = new bool[pairs.Count];
        for (var k = 0; k < pairs.Count; k++)
        {
            var reference = sealer.Seal($"enr_evaluation_{k}", "evaluation", "ttk_evaluation", KeyId, DateTimeOffset.UnixEpoch, capture.EncryptReference(pairs[k].Reference));
            var probe = capture.EncryptProbe(pairs[k].Probe, threshold);
            decisions[k] = keyHolder.Decide(comparison.Compare(reference, "evaluation", probe));
        }

        var quantised = pairs.Select(p => TemplateQuantisation.Similarity(p.Reference, p.Probe)).ToArray();
        return new DeployedPathScores(
            $"deployed 1:1 decision path: reference and probe quantised (S = {TemplateQuantisation.Scale}) and encrypted as the capture side does, seal check, exact BGV product with relinearisation and a block sum of five hoisted rotation stages, blinded set-membership test over {ProtectedTemplateScheme.CandidatesFor(threshold)} candidates with flooding (ComparisonService), exact decryption as the key holder does; each pair gives a decision, not a score",
            threshold,
            [.. plain.Take(genuineCount)],
            [.. plain.Skip(genuineCount)],
            quantised[..genuineCount],
            quantised[genuineCount..],
            decisions[..genuineCount],
            decisions[genuineCount..]);
    }
}
