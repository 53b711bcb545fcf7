using Obscura.Biometrics.Evaluation;

namespace Obscura.Biometrics.Tests;

public sealed class EvaluationTests
{
    [Fact]
    public void Error_rates_count_scores_on_each_side_of_the_threshold()
    {
        var metrics = new VerificationMetrics([0.9, 0.8, 0.7, 0.4], [0.1, 0.2, 0.5, 0.75]);
        Assert.Equal(new ErrorRates(0.5, 0.5, 0.25), metrics.At(0.5)); // impostors 0.5, 0.75 match; genuine 0.4 does not
        Assert.Equal(new ErrorRates(0.8, 0, 0.5), metrics.At(0.8));
        Assert.Equal(new ErrorRates(0.0, 1, 0), metrics.At(0.0));
        var eer = metrics.EqualErrorRate();
        Assert.Equal(0.25, eer.FalseMatchRate);
        Assert.Equal(eer.FalseMatchRate, eer.FalseNonMatchRate);
        Assert.Equal(8, metrics.DetCurve().Count);
        Assert.Throws<ArgumentException>(() => new VerificationMetrics([], [0.1]));
        Assert.Throws<ArgumentException>(() => new VerificationMetrics([double.NaN], [0.1]));
    }

    [Fact]
    public void Separated_scores_have_zero_equal_error_rate()
    {
        var metrics = new VerificationMetrics([0.8, 0.9], [0.1, 0.2]);
        Assert.Equal(0, metrics.EqualErrorRate().FalseMatchRate);
    }

    [Fact]
    public void Identical_score_distributions_are_unlinkable_and_disjoint_ones_fully_linkable()
    {
        var random = new Random(3);
        double[] Normal(int n, double mean) => [.. Enumerable.Range(0, n).Select(_ => mean + (Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()) * 0.05))];
        Assert.Equal(1, Unlinkability.Estimate(Normal(500, 0.8), Normal(500, 0), bins: 20).System, 6);

        // Same distribution: only estimation noise remains. With 2,000 scores a class over 20 bins it stays far below 0.25.
        var same = Unlinkability.Estimate(Normal(2000, 0), Normal(2000, 0), bins: 20);
        Assert.InRange(same.System, 0, 0.25);
        Assert.Equal(20, same.Curve.Count);
        Assert.Throws<ArgumentException>(() => Unlinkability.Estimate([], [1.0]));
    }

    [Fact]
    public void The_harness_agrees_across_plaintext_transform_and_encryption_and_finds_the_transform_unlinkable()
    {
        var faces = new SyntheticFaces(128, 30);
        var templates = new List<LabelledTemplate>();
        for (var subject = 0; subject < 60; subject++)
        {
            var identity = faces.Identity();
            for (var capture = 0; capture < 3; capture++)
            {
                templates.Add(new LabelledTemplate($"s{subject}", faces.Capture(identity)));
            }
        }

        var scores = ProtectedEvaluation.Run(templates, maxImpostorPairs: 1000, deployedPairs: 0);
        Assert.Null(scores.Deployed);
        Assert.Equal(180, scores.PlainGenuine.Count); // 60 subjects × 3 pairs
        Assert.Equal(1000, scores.PlainImpostor.Count);
        TestContext.Current.TestOutputHelper?.WriteLine($"largest score deviation: {scores.MaxDeviation:E2}");
        Assert.True(scores.MaxDeviation < 1e-4, $"deviation {scores.MaxDeviation}");

        foreach (var threshold in new[] { 0.3, 0.5, 0.7 })
        {
            var plain = new VerificationMetrics(scores.PlainGenuine, scores.PlainImpostor).At(threshold);
            var encrypted = new VerificationMetrics(scores.EncryptedGenuine, scores.EncryptedImpostor).At(threshold);
            Assert.Equal(plain.FalseMatchRate, encrypted.FalseMatchRate, 2);
            Assert.Equal(plain.FalseNonMatchRate, encrypted.FalseNonMatchRate, 2);
        }

        // Across keys, a subject's templates look like anyone's: D↔sys near 0. Without the transform they are fully linkable.
        var protectedLinkage = Unlinkability.Estimate(scores.MatedAcrossKeys, scores.NonMatedAcrossKeys, bins: 20).System;
        var unprotectedLinkage = Unlinkability.Estimate(scores.PlainGenuine, scores.PlainImpostor, bins: 20).System;
        TestContext.Current.TestOutputHelper?.WriteLine($"D↔sys protected {protectedLinkage:F3}, unprotected {unprotectedLinkage:F3}");
        Assert.InRange(protectedLinkage, 0, 0.35);
        Assert.True(unprotectedLinkage > 0.95, $"unprotected {unprotectedLinkage}");
        Assert.Throws<ArgumentException>(() => ProtectedEvaluation.Run([templates[0], templates[1]]));
    }

    [Fact]
    [Trait(SlowTests.Category, SlowTests.Slow)]
    public void The_deployed_decision_path_on_a_sample_decides_exactly_as_the_quantised_scores_do()
    {
        // The exact scheme's decision is a function of the quantised integers: it must equal the integer decision on
        // every pair. Synthetic genuine pairs score about 0.8 and impostors about 0, far from t = 0.5, so it also equals
        // the plaintext decision here.
        var faces = new SyntheticFaces(128, 31);
        var templates = new List<LabelledTemplate>();
        for (var subject = 0; subject < 10; subject++)
        {
            var identity = faces.Identity();
            templates.Add(new LabelledTemplate($"s{subject}", faces.Capture(identity)));
            templates.Add(new LabelledTemplate($"s{subject}", faces.Capture(identity)));
        }

        var scores = ProtectedEvaluation.Run(templates, maxImpostorPairs: 50, deployedPairs: 8, threshold: 0.5);
        var deployed = Assert.IsType<DeployedPathScores>(scores.Deployed);
        Assert.Equal((4, 4), (deployed.Genuine.Count, deployed.Impostor.Count));
        Assert.Contains("set-membership", deployed.Circuit, StringComparison.Ordinal);
        Assert.Equal(0, deployed.DecisionsDifferingFromQuantised);
        Assert.Equal(0, deployed.FlippedDecisions);
        Assert.All(deployed.Genuine, Assert.True);
        Assert.All(deployed.Impostor, Assert.False);
    }

    [Theory]
    [InlineData(0.5, 0.0)]
    [InlineData(0.975, 1.959963984540054)]
    [InlineData(0.84134474606854293, 1.0)]
    [InlineData(0.001, -3.090232306167813)]
    [InlineData(1e-6, -4.753424308822899)]
    [InlineData(0.02425, -1.9729610513118845)] // the seam between the central and tail approximations
    public void Standard_normal_quantile_matches_tabulated_values(double probability, double expected)
    {
        Assert.Equal(expected, StandardNormal.Quantile(probability), tolerance: 1e-8);
        Assert.Equal(-expected, StandardNormal.Quantile(1 - probability), tolerance: 1e-8);
    }

    [Fact]
    public void Standard_normal_quantile_is_increasing_and_refuses_zero_and_one()
    {
        var previous = double.NegativeInfinity;
        for (var p = 1e-9; p < 1; p += 0.0007)
        {
            var z = StandardNormal.Quantile(p);
            Assert.True(z > previous, $"not increasing at {p}");
            previous = z;
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => StandardNormal.Quantile(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => StandardNormal.Quantile(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => StandardNormal.Quantile(double.NaN));
    }
}
