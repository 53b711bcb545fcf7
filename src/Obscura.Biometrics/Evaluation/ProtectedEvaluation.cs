using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Templates;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Evaluation;

/// <summary>A labelled embedding: which subject it shows.</summary>
public sealed record LabelledTemplate(string Label, FaceTemplate Template);

/// <summary>
/// Scores of the same comparisons in plaintext, after the cancelable transform, under encryption, and as the integers
/// the exact decision compares (<see cref="TemplateQuantisation"/>, in cosine units).
/// </summary>
public sealed record EvaluationScores(
    IReadOnlyList<double> PlainGenuine,
    IReadOnlyList<double> PlainImpostor,
    IReadOnlyList<double> TransformedGenuine,
    IReadOnlyList<double> TransformedImpostor,
    IReadOnlyList<double> EncryptedGenuine,
    IReadOnlyList<double> EncryptedImpostor,
    IReadOnlyList<double> MatedAcrossKeys,
    IReadOnlyList<double> NonMatedAcrossKeys,
    IReadOnlyList<double> QuantisedGenuine,
    IReadOnlyList<double> QuantisedImpostor,
    DeployedPathScores? Deployed = null)
{
    /// <summary>What the <see cref="EncryptedGenuine"/> and <see cref="EncryptedImpostor"/> scores measure.</summary>
    public const string EncryptedCircuit =
        "column-packed ciphertext × ciphertext inner product under the CKKS parameter set of 1:N identification (each factor at scale 2^40, 4,096 pairs per dot product), decrypted without flooding: CKKS's own encoding and arithmetic error, not the 1:1 decision path (which is exact) and not the 1:N search (whose probe is a plaintext of integers)";

    /// <summary>The largest difference between a transformed or encrypted score and its plaintext score.</summary>
    public double MaxDeviation =>
        PlainGenuine.Zip(TransformedGenuine).Concat(PlainImpostor.Zip(TransformedImpostor))
            .Concat(PlainGenuine.Zip(EncryptedGenuine)).Concat(PlainImpostor.Zip(EncryptedImpostor))
            .Max(p => Math.Abs(p.First - p.Second));
}

/// <summary>
/// The evaluation harness behind <c>obscura eval</c>: from labelled embeddings, every genuine pair and a sample of
/// impostor pairs are scored three ways. Plaintext uses the cosine of the embeddings. Transformed uses each reference
/// subject's own key on both sides. Encrypted packs up to 4,096 pairs per ciphertext, column by column, with one
/// dot product, under an evaluation key decrypted here without flooding: it measures CKKS's own error, not the
/// service (<see cref="EvaluationScores.EncryptedCircuit"/>). The deployed decision path, with its blinding and its
/// flooding noise, is run on a deterministic sample of pairs (<see cref="DeployedPathScores"/>), since it costs one
/// full comparison per pair. For unlinkability, each subject's templates are also transformed under two independent
/// keys: mated pairs are one subject across two keys, non-mated pairs are two subjects across two keys.
/// </summary>
public static class ProtectedEvaluation
{
    /// <summary>
    /// Runs the evaluation; impostor pairs are sampled deterministically from <paramref name="seed"/>, and so are the
    /// <paramref name="deployedPairs"/> pairs (half genuine, half impostor, fewer if there are not enough) sent through
    /// the deployed decision path at <paramref name="threshold"/> (none when 0).
    /// </summary>
    public static EvaluationScores Run(IReadOnlyList<LabelledTemplate> templates, int maxImpostorPairs = 2000, int seed = 1, int deployedPairs = 64, double threshold = 0.5)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deployedPairs);
        if (deployedPairs > 0)
        {
            ProtectedTemplateScheme.CheckThreshold(threshold);
        }

        ArgumentNullException.ThrowIfNull(templates);
        var labels = templates.Select(t => t.Label).Distinct().ToArray();
        if (labels.Length < 2 || templates.Select(t => t.Template.Dimension).Distinct().Count() != 1)
        {
            throw new ArgumentException("An evaluation needs templates of one dimension from at least two subjects.", nameof(templates));
        }

        var genuine = new List<(int, int)>();
        for (var i = 0; i < templates.Count; i++)
        {
            for (var j = i + 1; j < templates.Count; j++)
            {
                if (templates[i].Label == templates[j].Label)
                {
                    genuine.Add((i, j));
                }
            }
        }

        var random = new Random(seed);
        var impostor = new HashSet<(int, int)>();
        for (var attempts = 0; impostor.Count < maxImpostorPairs && attempts < maxImpostorPairs * 20; attempts++)
        {
            var i = random.Next(templates.Count);
            var j = random.Next(templates.Count);
            if (i < j && templates[i].Label != templates[j].Label)
            {
                impostor.Add((i, j));
            }
        }

        var keys = labels.ToDictionary(l => l, _ => TemplateTransformationKey.Generate());
        var secondKeys = labels.ToDictionary(l => l, _ => TemplateTransformationKey.Generate());
        try
        {
            var transformed = templates.Select(t => CancelableTransform.Apply(keys[t.Label], t.Template)).ToArray();
            TransformedTemplate UnderKeyOf(int owner, int index) =>
                templates[owner].Label == templates[index].Label ? transformed[index] : CancelableTransform.Apply(keys[templates[owner].Label], templates[index].Template);

            List<(TransformedTemplate, TransformedTemplate)> Pairs(IEnumerable<(int I, int J)> pairs) =>
                [.. pairs.Select(p => (transformed[p.I], UnderKeyOf(p.I, p.J)))];

            var genuinePairs = Pairs(genuine);
            var impostorPairs = Pairs(impostor);
            var encrypted = EncryptedScores([.. genuinePairs, .. impostorPairs]);

            var mated = genuine.Select(p => transformed[p.Item1].Similarity(CancelableTransform.Apply(secondKeys[templates[p.Item2].Label], templates[p.Item2].Template))).ToArray();
            var nonMated = impostor.Select(p => transformed[p.Item1].Similarity(CancelableTransform.Apply(secondKeys[templates[p.Item2].Label], templates[p.Item2].Template))).ToArray();

            var plainGenuine = genuine.Select(p => templates[p.Item1].Template.Similarity(templates[p.Item2].Template)).ToArray();
            var plainImpostor = impostor.Select(p => templates[p.Item1].Template.Similarity(templates[p.Item2].Template)).ToArray();
            DeployedPathScores? deployed = null;
            if (deployedPairs > 0)
            {
                int[] Sample(int count, int take) => [.. Enumerable.Range(0, count).OrderBy(_ => random.Next()).Take(take)];
                var genuineSample = Sample(genuinePairs.Count, (deployedPairs + 1) / 2);
                var impostorSample = Sample(impostorPairs.Count, deployedPairs / 2);
                deployed = DeployedPath.Run(
                    [.. genuineSample.Select(i => genuinePairs[i]), .. impostorSample.Select(i => impostorPairs[i])],
                    [.. genuineSample.Select(i => plainGenuine[i]), .. impostorSample.Select(i => plainImpostor[i])],
                    genuineSample.Length,
                    threshold);
            }

            return new EvaluationScores(
                plainGenuine,
                plainImpostor,
                [.. genuinePairs.Select(p => p.Item1.Similarity(p.Item2))],
                [.. impostorPairs.Select(p => p.Item1.Similarity(p.Item2))],
                encrypted[..genuinePairs.Count],
                encrypted[genuinePairs.Count..],
                mated,
                nonMated,
                [.. genuinePairs.Select(p => TemplateQuantisation.Similarity(p.Item1, p.Item2))],
                [.. impostorPairs.Select(p => TemplateQuantisation.Similarity(p.Item1, p.Item2))],
                deployed);
        }
        finally
        {
            foreach (var key in keys.Values.Concat(secondKeys.Values))
            {
                key.Dispose();
            }
        }
    }

    /// <summary>
    /// Scores of many pairs under encryption: pair k of a block in slot k, one dot product per block of N/2 pairs. Each
    /// factor is encoded at 2^40, so the product's scale 2^80 stays below the 1:N set's top modulus (104 bits) with room
    /// for the scores; the set's default scale (2^31) would leave the fresh encryption noise near 10^-5 in each score.
    /// </summary>
    private static double[] EncryptedScores(IReadOnlyList<(TransformedTemplate A, TransformedTemplate B)> pairs)
    {
        const double FactorScale = 1L << 40;
        var p = Identification.GalleryScheme.Parameters;
        var encryptor = new CkksEncryptor(p);
        var evaluator = new CkksEvaluator(p);
        using var secret = CkksKeyGenerator.GenerateSecretKey(p);
        var publicKey = CkksKeyGenerator.CreatePublicKey(secret);
        var relin = CkksKeyGenerator.CreateRelinearizationKey(secret);
        var slots = p.SlotCount;
        var d = pairs[0].A.Dimension;
        var scores = new double[pairs.Count];
        for (var start = 0; start < pairs.Count; start += slots)
        {
            var count = Math.Min(slots, pairs.Count - start);
            CkksCiphertext[] Columns(Func<(TransformedTemplate A, TransformedTemplate B), TransformedTemplate> side) =>
                CkksEvaluator.Batch(Enumerable.Range(0, d).ToArray(), j =>
                    encryptor.Encrypt(publicKey, encryptor.Encode([.. Enumerable.Range(0, count).Select(k => (double)side(pairs[start + k]).Values[j])], scale: FactorScale)));

            var result = encryptor.Decode(encryptor.Decrypt(secret, evaluator.DotProduct(Columns(x => x.A), Columns(x => x.B), relin)));
            for (var k = 0; k < count; k++)
            {
                scores[start + k] = result[k].Real;
            }
        }

        return scores;
    }
}
