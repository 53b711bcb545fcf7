using Obscura.ModelPrivacy.Data;
using Obscura.ModelPrivacy.Learning;
using Obscura.ModelPrivacy.Minimisation;

namespace Obscura.ModelPrivacy.Tests;

public sealed class ForwardFeatureSelectionTests
{
    [Fact]
    public void With_two_informative_columns_among_noise_those_two_are_chosen_first_and_suffice()
    {
        var data = Planted(rows: 600, seed: 7);

        var result = ForwardFeatureSelection.Run(data, "class", requiredAccuracy: 0.85);

        Assert.True(result.MeetsRequirement);
        Assert.Equal(["signal-a", "signal-b"], result.Chosen!.Order(StringComparer.Ordinal));
        Assert.Equal(["noise-1", "noise-2", "noise-3", "noise-4"], result.Dropped.Order(StringComparer.Ordinal));
        Assert.True(result.ChosenAccuracy >= 0.85);
    }

    [Fact]
    public void On_german_credit_a_few_features_match_all_twenty_and_the_sensitive_ones_are_dropped()
    {
        var reported = new List<FeatureSelectionStep>();
        var result = ForwardFeatureSelection.Run(TabularData.Credit(), "class", requiredAccuracy: 0.75, progress: new Collect(reported));

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"all {result.AllFeatureCount}: {result.AllFeaturesAccuracy:P1}; chosen {string.Join(", ", result.Chosen ?? [])}: {result.ChosenAccuracy:P1}; majority {result.MajorityAccuracy:P1}");
        Assert.True(result.MeetsRequirement);
        Assert.Equal(0.70, result.MajorityAccuracy, 3);
        Assert.InRange(result.AllFeaturesAccuracy, 0.73, 0.78);
        Assert.InRange(result.Chosen!.Count, 1, 8);
        Assert.True(result.ChosenAccuracy >= 0.75);
        Assert.Equal(result.Steps, reported);
        Assert.Equal(20, result.Chosen.Count + result.Dropped.Count);
        Assert.Contains("personal_status", result.Dropped);
        Assert.Contains("foreign_worker", result.Dropped);

        // Deterministic: the same seed gives the same steps (parallel scoring notwithstanding).
        Assert.Equal(result.Steps, ForwardFeatureSelection.Run(TabularData.Credit(), "class", requiredAccuracy: 0.75).Steps);
    }

    [Fact]
    public void An_unreachable_requirement_tries_every_feature_and_chooses_none()
    {
        var result = ForwardFeatureSelection.Run(Planted(rows: 200, seed: 3), "class", requiredAccuracy: 0.9999);

        Assert.False(result.MeetsRequirement);
        Assert.Null(result.Chosen);
        Assert.Equal(6, result.Steps.Count);
        Assert.Empty(result.Dropped);
    }

    [Fact]
    public void The_intercept_alone_scores_the_majority_share_and_bad_targets_are_refused()
    {
        var data = TabularData.Credit();
        var cv = new CrossValidation(data, data.IndexOf("class"));
        Assert.Equal(0.70, cv.Accuracy([]), 3);
        Assert.Throws<ArgumentException>(() => cv.Accuracy([data.IndexOf("class")]));
        Assert.Throws<ArgumentException>(() => new CrossValidation(data, data.IndexOf("purpose")));
        Assert.Throws<ArgumentException>(() => new CrossValidation(data, data.IndexOf("age")));
        Assert.Throws<ArgumentException>(() => ForwardFeatureSelection.Run(data, "class", requiredAccuracy: 1.5));
        Assert.Throws<ArgumentException>(() => ForwardFeatureSelection.Run(data, "salary", requiredAccuracy: 0.7));
    }

    /// <summary>class = 1 when signal-a + category(signal-b) + noise &gt; 0; four pure-noise columns.</summary>
    private static TabularDataset Planted(int rows, int seed)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var a = new double[rows];
        var b = new int[rows];
        var noise = Enumerable.Range(0, 4).Select(_ => new double[rows]).ToArray();
        var label = new int[rows];
        for (var i = 0; i < rows; i++)
        {
            a[i] = Normal();
            b[i] = random.Next(3);
            foreach (var column in noise)
            {
                column[i] = Normal();
            }

            label[i] = (2 * a[i]) + (b[i] - 1) * 2.5 + (0.3 * Normal()) > 0 ? 1 : 0;
        }

        TabularColumn Numeric(string name) => new(name, AttributeKind.Numeric, []);
        var columns = new List<TabularColumn> { Numeric("noise-1"), Numeric("signal-a"), Numeric("noise-2"), new("signal-b", AttributeKind.Nominal, ["x", "y", "z"]), Numeric("noise-3"), Numeric("noise-4"), new("class", AttributeKind.Nominal, ["no", "yes"]) };
        double[][] numeric = [noise[0], a, noise[1], [], noise[2], noise[3], []];
        int[][] nominal = [[], [], [], b, [], [], label];
        return new TabularDataset("planted", columns, rows, numeric, nominal);
    }

    private sealed class Collect(List<FeatureSelectionStep> steps) : IProgress<FeatureSelectionStep>
    {
        public void Report(FeatureSelectionStep value) => steps.Add(value);
    }
}
