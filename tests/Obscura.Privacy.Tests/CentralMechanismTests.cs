using Obscura.Privacy.Accounting;
using Obscura.Privacy.Mechanisms;
using Obscura.Privacy.Sampling;

namespace Obscura.Privacy.Tests;

/// <summary>
/// The DP tester on the central mechanisms: correct ones pass, a deliberately broken one (half the noise) is
/// flagged. Each tester run has false-failure probability 2 × 10^-6 (see <see cref="HockeyStickTester"/>).
/// </summary>
public sealed class CentralMechanismTests
{
    private const int Samples = 200_000;
    private const double Beta = 1e-6;
    private static readonly Rational One = Rational.Whole(1);

    private readonly CentralMechanisms _mechanisms = new(new CryptoRandomSource());

    private static string[] Subjects(int n) => [.. Enumerable.Range(0, n).Select(i => $"s{i}")];

    [Fact]
    public void The_pure_count_passes_the_tester_and_the_count_with_half_the_noise_is_flagged()
    {
        var d = Subjects(10);
        var neighbour = d.Append("extra").Append("extra").Append("extra").ToArray(); // one more subject, three rows, bounded to 1
        var correct = HockeyStickTester.TestBothWays(
            () => _mechanisms.Count(d, 1, PrivacyParameter.Epsilon(One)).Value,
            () => _mechanisms.Count(neighbour, 1, PrivacyParameter.Epsilon(One)).Value,
            epsilon: 1, delta: 0, Samples, Beta);
        Assert.False(correct.Violates, correct.ToString());

        // Half the noise: the scale of ε = 2 while claiming ε = 1.
        var broken = HockeyStickTester.TestBothWays(
            () => _mechanisms.Count(d, 1, PrivacyParameter.Epsilon(Rational.Whole(2))).Value,
            () => _mechanisms.Count(neighbour, 1, PrivacyParameter.Epsilon(Rational.Whole(2))).Value,
            epsilon: 1, delta: 0, Samples, Beta);
        Assert.True(broken.Violates, broken.ToString());
    }

    [Fact]
    public void The_bounded_sum_bounds_contributions_itself_and_passes_while_half_the_noise_is_flagged()
    {
        var d = Subjects(20).Select(s => new Row<double>(s, 3.0)).ToArray();
        // The neighbour adds one subject with five rows far above the bound: clamped to 10 and bounded to 2 rows, so
        // the sensitivity is 20. Without the library's bounding it would be 5 × 1000 and the tester would flag it.
        var neighbour = d.Concat(Enumerable.Repeat(new Row<double>("extra", 1000), 5)).ToArray();
        var epsilon = PrivacyParameter.Epsilon(One);
        long Sum(Row<double>[] rows, PrivacyParameter p) => (long)_mechanisms.BoundedSum(rows, 0, 10, 1, 2, p).Value;
        var correct = HockeyStickTester.TestBothWays(() => Sum(d, epsilon), () => Sum(neighbour, epsilon), 1, 0, Samples, Beta);
        Assert.False(correct.Violates, correct.ToString());
        var broken = HockeyStickTester.TestBothWays(() => Sum(d, PrivacyParameter.Epsilon(Rational.Whole(2))), () => Sum(neighbour, PrivacyParameter.Epsilon(Rational.Whole(2))), 1, 0, Samples, Beta);
        Assert.True(broken.Violates, broken.ToString());
    }

    [Fact]
    public void The_gaussian_count_meets_its_exact_privacy_profile_and_half_the_noise_is_flagged()
    {
        // ρ = 1/8 and sensitivity 1 give σ² = 4. The claim tested is the discrete Gaussian's own privacy profile
        // δ(ε) = Σ_x max(0, p(x) − e^ε p(x − 1)) at ε = 0.5, computed from its mass function.
        var rho = PrivacyParameter.Rho(Rational.Of(1, 8));
        var d = Subjects(10);
        var neighbour = d.Append("extra").ToArray();
        var delta = GaussianProfile(variance: 4, epsilon: 0.5);
        var correct = HockeyStickTester.TestBothWays(() => _mechanisms.Count(d, 1, rho).Value, () => _mechanisms.Count(neighbour, 1, rho).Value, 0.5, delta, Samples, Beta);
        Assert.False(correct.Violates, correct.ToString());
        var quarter = PrivacyParameter.Rho(Rational.Of(1, 2)); // σ halved
        var broken = HockeyStickTester.TestBothWays(() => _mechanisms.Count(d, 1, quarter).Value, () => _mechanisms.Count(neighbour, 1, quarter).Value, 0.5, delta, Samples, Beta);
        Assert.True(broken.Violates, broken.ToString());
    }

    [Fact]
    public void The_quantile_passes_the_tester_and_lands_near_the_true_median()
    {
        var values = Enumerable.Range(0, 101).Select(i => new Row<double>($"s{i}", i)).ToArray();
        var neighbour = values.Append(new Row<double>("extra", 0)).ToArray();
        var epsilon = Rational.Whole(1);
        var verdict = HockeyStickTester.TestBothWays(
            () => (long)_mechanisms.Quantile(values, 0.5, 0, 100, 1, 1, epsilon).Value,
            () => (long)_mechanisms.Quantile(neighbour, 0.5, 0, 100, 1, 1, epsilon).Value,
            1, 0, 40_000, Beta);
        Assert.False(verdict.Violates, verdict.ToString());

        // Utility −|2·rank − 2qn| drops by 2 per step away from 50, so P(|x − 50| ≥ 15) ≤ 101·e^{−7.5} < 0.06 per draw;
        // the median of 101 draws is off by 15 with probability below 1e-20.
        var draws = Enumerable.Range(0, 101).Select(_ => _mechanisms.Quantile(values, 0.5, 0, 100, 1, 1, epsilon).Value).Order().ToArray();
        Assert.InRange(draws[50], 35, 65);
    }

    [Fact]
    public void Noisy_counts_sums_and_histograms_are_unbiased_with_the_stated_spread()
    {
        // Over 20,000 releases the mean is within 6 standard errors of the truth and the sample standard deviation
        // within 5% of the stated one (false-failure probability below 1e-8 each, by Chebyshev/CLT tails).
        const int N = 20_000;
        var subjects = Subjects(50);
        var laplace = Enumerable.Range(0, N).Select(_ => _mechanisms.Count(subjects, 1, PrivacyParameter.Epsilon(Rational.Of(1, 2)))).ToArray();
        AssertSpread(laplace.Select(r => (double)r.Value).ToArray(), 50, laplace[0].NoiseStandardDeviation);
        var gauss = Enumerable.Range(0, N).Select(_ => _mechanisms.BoundedSum(subjects.Select(s => new Row<double>(s, 2.5)).ToArray(), 0, 5, 0.5, 1, PrivacyParameter.Rho(Rational.Of(1, 2)))).ToArray();
        AssertSpread(gauss.Select(r => r.Value).ToArray(), 125, gauss[0].NoiseStandardDeviation);

        var histogram = _mechanisms.Histogram(subjects.Select((s, i) => new Row<string>(s, i % 2 == 0 ? "a" : "b")).Append(new Row<string>("s0", "undeclared")), ["a", "b", "c"], 1, PrivacyParameter.Epsilon(One));
        Assert.Equal(["a", "b", "c"], histogram.Value.Keys.Order());
        Assert.Equal(50, histogram.RowsUsed);
        Assert.Throws<ArgumentException>(() => _mechanisms.Histogram([], [], 1, PrivacyParameter.Epsilon(One)));
        Assert.Throws<ArgumentException>(() => _mechanisms.BoundedSum([], 5, 5, 1, 1, PrivacyParameter.Epsilon(One)));
        Assert.Equal(new PrivacyCost.Pure(One), _mechanisms.Mean([new Row<double>("a", 1)], 0, 1, 0.01, 1, PrivacyParameter.Epsilon(One)).Cost);
    }

    [Fact]
    public void Contribution_bounding_keeps_at_most_m_rows_per_subject()
    {
        var rows = Enumerable.Range(0, 30).Select(i => new Row<int>($"s{i % 3}", i)).ToArray();
        var kept = _mechanisms.Bound(rows, 4);
        Assert.Equal(12, kept.Count);
        Assert.All(kept.GroupBy(r => r.Subject), g => Assert.Equal(4, g.Count()));
    }

    private static void AssertSpread(double[] values, double truth, double statedSd)
    {
        var mean = values.Average();
        var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        Assert.InRange(mean, truth - (6 * statedSd / Math.Sqrt(values.Length)), truth + (6 * statedSd / Math.Sqrt(values.Length)));
        Assert.InRange(sd, 0.95 * statedSd, 1.05 * statedSd);
    }

    private static double GaussianProfile(double variance, double epsilon)
    {
        var span = DiscreteGaussianMass.Span(variance);
        var p = DiscreteGaussianMass.Of(variance);
        var delta = 0.0;
        for (var x = -span; x <= span + 1; x++)
        {
            delta += Math.Max(0, p(x) - (Math.Exp(epsilon) * p(x - 1)));
        }

        return delta;
    }
}
