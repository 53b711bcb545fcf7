using Obscura.ModelPrivacy.Audit;
using Obscura.ModelPrivacy.Onnx;
using Obscura.ModelPrivacy.Training;

namespace Obscura.ModelPrivacy.Tests;

/// <summary>
/// Obscura's own trained models exported as ONNX (<see cref="OnnxModelWriter"/>) and run by ONNX Runtime
/// (<see cref="OnnxClassifier"/>): the ONNX file is written here, from a model trained here, so a clean clone makes it.
/// </summary>
public sealed class OnnxClassifierTests
{
    private static readonly string[] FashionLabels = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"];

    internal static TrainedClassifier Trained(int hidden, int epochs = 3)
    {
        var train = FashionMnistSubset.Train.Take(1000);
        var model = new Classifier(train.Pixels, train.Classes, hidden);
        var result = SgdTrainer.Train(model, train, new TrainingOptions { Epochs = epochs, BatchSize = 32, LearningRate = 0.1f }, NoiseSource.Seeded(1), initSeed: 1);
        return new TrainedClassifier(model, result.Parameters);
    }

    internal static OnnxClassifier Exported(TrainedClassifier native)
    {
        var bytes = OnnxModelWriter.Serialize(native.Model, native.Parameters);
        return OnnxClassifier.Load(bytes, OnnxClassifier.Sha256Of(bytes), new OnnxClassifierSpec(native.Inputs, FashionLabels));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(32)]
    public void The_onnx_export_gives_the_native_models_logits_and_probabilities_to_1e_5(int hidden)
    {
        var native = Trained(hidden);
        using var onnx = Exported(native);
        var test = FashionMnistSubset.Test;
        var (a, b) = (new float[10], new float[10]);
        double worstLogit = 0, worstProbability = 0;
        for (var i = 0; i < 300; i++)
        {
            native.Logits(test.Images[i], a);
            onnx.Logits(test.Images[i], b);
            for (var j = 0; j < 10; j++)
            {
                worstLogit = Math.Max(worstLogit, Math.Abs(a[j] - b[j]) / Math.Max(1, Math.Abs(a[j])));
            }

            var (p, q) = (Serving.PredictionShaper.SoftMax(a), Serving.PredictionShaper.SoftMax(b));
            worstProbability = Math.Max(worstProbability, p.Zip(q, (x, y) => Math.Abs(x - y)).Max());
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"hidden {hidden}: worst logit difference {worstLogit:G3} (relative above 1), worst probability difference {worstProbability:G3}");
        Assert.True(worstLogit < 1e-5, $"logits differ by {worstLogit}");
        Assert.True(worstProbability < 1e-5, $"probabilities differ by {worstProbability}");
    }

    [Fact]
    public void A_file_that_is_not_the_pinned_one_or_not_as_stated_is_refused()
    {
        var native = Trained(0, epochs: 1);
        var bytes = OnnxModelWriter.Serialize(native.Model, native.Parameters);
        var sha = OnnxClassifier.Sha256Of(bytes);
        var spec = new OnnxClassifierSpec(784, FashionLabels);

        var changed = bytes.ToArray();
        changed[^5] ^= 1; // a bit of the last initialiser
        Assert.Contains("SHA-256", Assert.Throws<InvalidDataException>(() => OnnxClassifier.Load(changed, sha, spec)).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => OnnxClassifier.Load(bytes, new string('0', 64), spec));
        var truncated = bytes[..(bytes.Length / 2)];
        Assert.Contains("ONNX", Assert.Throws<InvalidDataException>(() => OnnxClassifier.Load(truncated, OnnxClassifier.Sha256Of(truncated), spec)).Message, StringComparison.Ordinal);
        Assert.Contains("[batch, 100]", Assert.Throws<InvalidDataException>(() => OnnxClassifier.Load(bytes, sha, spec with { Inputs = 100 })).Message, StringComparison.Ordinal);
        Assert.Contains("[batch, 3]", Assert.Throws<InvalidDataException>(() => OnnxClassifier.Load(bytes, sha, spec with { Labels = ["a", "b", "c"] })).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => OnnxClassifier.Load(bytes, sha, spec with { OutputName = "probabilities" }));
        Assert.Throws<ArgumentException>(() => OnnxClassifier.Load(bytes, sha, spec with { Labels = ["a", "a", "b", "c", "d", "e", "f", "g", "h", "i"] }));
        using var loaded = OnnxClassifier.Load(bytes, sha.ToUpperInvariant(), spec);
        Assert.Equal((784, 10), (loaded.Inputs, loaded.Classes));
    }

    [Fact]
    public void A_probability_output_is_read_as_log_probabilities()
    {
        var native = Trained(0, epochs: 1);
        using var onnx = Exported(native);
        var logits = new float[10];
        onnx.Logits(FashionMnistSubset.Test.Images[0], logits);
        var p = Serving.PredictionShaper.SoftMax(logits);

        // The same file declared as giving probabilities: its outputs are logged, so the softmax is of log(logits),
        // which differs. (A real probability output would round-trip: softmax(log p) = p.)
        var bytes = OnnxModelWriter.Serialize(native.Model, native.Parameters);
        using var asProbabilities = OnnxClassifier.Load(bytes, OnnxClassifier.Sha256Of(bytes), new OnnxClassifierSpec(784, FashionLabels, OnnxScores.Probabilities));
        var logged = new float[10];
        asProbabilities.Logits(FashionMnistSubset.Test.Images[0], logged);
        for (var j = 0; j < 10; j++)
        {
            Assert.Equal(MathF.Log(Math.Max(logits[j], 1e-30f)), logged[j], 6);
        }

        Assert.Equal(1, p.Sum(), 9);
    }

    [Fact]
    public void The_audit_of_the_onnx_copy_of_a_target_gives_the_native_audits_figures()
    {
        var options = new MembershipAuditOptions
        {
            PoolSize = 300,
            Shadows = 6,
            Hidden = 32,
            Training = new TrainingOptions { Epochs = 20, BatchSize = 32, LearningRate = 0.1f },
        };
        var native = MembershipAudit.Run(FashionMnistSubset.Train, options);
        var (members, target) = MembershipAudit.TrainTarget(FashionMnistSubset.Train, options);
        using var onnx = Exported(target);
        var copy = MembershipAudit.Run(FashionMnistSubset.Train, onnx, members, options);

        Assert.Equal(native.TargetTrainAccuracy, copy.TargetTrainAccuracy);
        Assert.Equal(native.TargetTestAccuracy, copy.TargetTestAccuracy);
        foreach (var (a, b) in native.Attacks.Zip(copy.Attacks))
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"{a.Attack}: AUC {a.Auc:F6} / {b.Auc:F6}, TPR@0.1% {a.TprAtFpr0001:P2} / {b.TprAtFpr0001:P2}, TPR@1% {a.TprAtFpr001:P2} / {b.TprAtFpr001:P2}");
            Assert.Equal(a.Attack, b.Attack);
            Assert.Equal(a.Auc, b.Auc, 3);
            Assert.Equal(a.TprAtFpr0001, b.TprAtFpr0001);
            Assert.Equal(a.TprAtFpr001, b.TprAtFpr001);
        }

        Assert.Equal(native.MostExposed.Select(r => r.Index), copy.MostExposed.Select(r => r.Index));
        Assert.True(native.Attacks[0].Auc > 0.55, "the recipe should leak, or the comparison shows little");

        // A different model under the same split does not: the figures are the given model's.
        using var other = Exported(Trained(0, epochs: 1));
        var otherAudit = MembershipAudit.Run(FashionMnistSubset.Train, other, members, options);
        Assert.NotEqual(native.Attacks[0].Auc, otherAudit.Attacks[0].Auc, 3);

        Assert.Throws<ArgumentException>(() => MembershipAudit.Run(FashionMnistSubset.Train, onnx, [], options));
        Assert.Throws<ArgumentException>(() => MembershipAudit.Run(FashionMnistSubset.Train, onnx, [0, 300], options));
        Assert.Throws<ArgumentException>(() => MembershipAudit.Run(FashionMnistSubset.Train, onnx, [1, 1], options));
    }
}
