using Obscura.ModelPrivacy.Data;
using Obscura.ModelPrivacy.Training;

namespace Obscura.ModelPrivacy.Tests;

/// <summary>Training on the committed Fashion-MNIST cut: small, seeded configurations (the full figures are a benchmark).</summary>
public sealed class SgdTrainerTests
{
    [Fact]
    public void Non_private_training_learns_and_a_seeded_run_repeats_exactly()
    {
        var model = new Classifier(784, 10, hidden: 32);
        var options = new TrainingOptions { Epochs = 4, BatchSize = 32, LearningRate = 0.1f };

        var first = SgdTrainer.Train(model, FashionMnistSubset.Train, options, NoiseSource.Seeded(1));
        var second = SgdTrainer.Train(model, FashionMnistSubset.Train, options with { Parallelism = 1 }, NoiseSource.Seeded(1));

        var accuracy = SgdTrainer.Accuracy(model, first.Parameters, FashionMnistSubset.Test);
        TestContext.Current.TestOutputHelper?.WriteLine($"non-private MLP-32 on 3,000 images: test accuracy {accuracy:P1}");
        Assert.InRange(accuracy, 0.70, 1.0);
        Assert.Equal(first.Parameters, second.Parameters, (a, b) => Math.Abs(a - b) < 1e-4f);
    }

    [Fact]
    public void Dp_sgd_takes_poisson_samples_clips_adds_noise_and_still_learns()
    {
        var model = new Classifier(784, 10);
        var progress = new List<TrainingProgress>();
        var options = new TrainingOptions { Epochs = 3, BatchSize = 150, LearningRate = 2f, ClipNorm = 1f, NoiseMultiplier = 1.0 };

        var result = SgdTrainer.Train(model, FashionMnistSubset.Train, options, NoiseSource.Seeded(2), progress: new Collect(progress));

        Assert.Equal(0.05, result.SamplingRate, 10);
        Assert.Equal(60, result.Steps);
        Assert.Equal(3, progress.Count);
        Assert.InRange((double)result.ExamplesProcessed, 3 * 3000 * 0.9, 3 * 3000 * 1.1); // Poisson: about rate × n per step
        var accuracy = SgdTrainer.Accuracy(model, result.Parameters, FashionMnistSubset.Test);
        TestContext.Current.TestOutputHelper?.WriteLine($"DP-SGD softmax (σ = 1, C = 1, q = 0.05, 60 steps) on 3,000 images: test accuracy {accuracy:P1}");
        Assert.InRange(accuracy, 0.55, 1.0);

        // The noise is there: at σ = 300 (noise 300 times the largest clipped gradient) the model learns next to nothing.
        var drowned = SgdTrainer.Train(model, FashionMnistSubset.Train, options with { NoiseMultiplier = 300 }, NoiseSource.Seeded(3));
        Assert.InRange(SgdTrainer.Accuracy(model, drowned.Parameters, FashionMnistSubset.Test), 0, 0.45);
    }

    [Fact]
    public void Bad_options_and_data_are_refused()
    {
        var model = new Classifier(784, 10);
        Assert.Throws<ArgumentOutOfRangeException>(() => SgdTrainer.Train(model, FashionMnistSubset.Train, new TrainingOptions { NoiseMultiplier = 0 }, NoiseSource.Seeded(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => SgdTrainer.Train(model, FashionMnistSubset.Train, new TrainingOptions { ClipNorm = -1 }, NoiseSource.Seeded(1)));
        Assert.Throws<ArgumentException>(() => SgdTrainer.Train(new Classifier(100, 10), FashionMnistSubset.Train, new TrainingOptions(), NoiseSource.Seeded(1)));
        Assert.Throws<InvalidDataException>(() => IdxReader.Load(Path.GetTempPath(), "nothing-here"));
        Assert.False(NoiseSource.Secure().IsReproducible);
        Assert.True(NoiseSource.Seeded(1).IsReproducible);
    }

    private sealed class Collect(List<TrainingProgress> values) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => values.Add(value);
    }
}
