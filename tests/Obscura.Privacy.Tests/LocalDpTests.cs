using Obscura.Privacy.Local;
using Obscura.Privacy.Sampling;

namespace Obscura.Privacy.Tests;

/// <summary>
/// Local DP: each decoder is unbiased and its variance matches the formula. Over R = 40 independent populations the
/// mean estimate of each value is within 6 standard errors of the truth (false-failure probability below 2e-9 per
/// value by the normal approximation, 20 values per mechanism), and the empirical variance, averaged over the values,
/// is within [0.6, 1.5] of the formula's (a χ² with about 780 degrees of freedom: false-failure probability below 1e-12).
/// </summary>
public sealed class LocalDpTests
{
    private const int Domain = 20;
    private const int Users = 20_000;
    private const int Trials = 40;
    private static readonly int[] TrueCounts = Zipf();

    [Fact]
    public void Randomized_response_is_unbiased_with_the_stated_variance()
    {
        var rr = new RandomizedResponse(Domain, 1.0);
        Check(random => rr.Estimate(Population().Select(v => rr.Report(v, random))), v => rr.Variance(Users, TrueCounts[v]));
        Assert.Equal(1.0, rr.EffectiveEpsilon, 1e-12);
    }

    [Theory]
    [InlineData("Transform")]
    [InlineData("ReportPreimages")]
    public void Optimised_local_hashing_is_unbiased_with_the_stated_variance(string decoding)
    {
        var olh = new OptimizedLocalHashing(Domain, 2.0, Enum.Parse<OlhDecoding>(decoding));
        Assert.Equal(7, olh.Buckets); // the prime nearest e^2 + 1 in variance
        Check(random => olh.Estimate(Population().Select(v => olh.Report(v, random))), v => olh.Variance(Users, TrueCounts[v]));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Unary_encoding_is_unbiased_with_the_stated_variance(bool optimised)
    {
        var ue = new UnaryEncoding(Domain, 1.5, optimised);
        Assert.Equal(1.5, ue.EffectiveEpsilon, 1e-9);
        Check(random => ue.Estimate(Population().Select(v => ue.Report(v, random))), v => ue.Variance(Users, TrueCounts[v]));
    }

    [Fact]
    public void Bloom_filter_reports_decode_without_bias_with_the_stated_variance()
    {
        var rappor = new BloomRappor(Domain, filterBits: 64, hashes: 2, f: 0.5);
        Assert.Equal(4 * Math.Log(3), rappor.EffectiveEpsilon, 1e-9); // 2h ln((1 − f/2)/(f/2)) = 4 ln 3
        Check(random => rappor.Estimate(Population().Select(v => rappor.Report(v, random))), v => rappor.Variance(Users, v));
        Assert.Throws<ArgumentException>(() => new BloomRappor(Domain, filterBits: 20, hashes: 1, f: 0.5)); // collisions make X singular
    }

    [Fact]
    public void Randomized_response_passes_the_dp_tester_and_twice_its_epsilon_is_flagged()
    {
        // False-failure probability 2e-6.
        var random = new CryptoRandomSource();
        var correct = new RandomizedResponse(4, 1.0);
        var verdict = HockeyStickTester.TestBothWays(() => correct.Report(0, random), () => correct.Report(1, random), 1.0, 0, 200_000, 1e-6);
        Assert.False(verdict.Violates, verdict.ToString());
        var broken = new RandomizedResponse(4, 2.0);
        var flagged = HockeyStickTester.TestBothWays(() => broken.Report(0, random), () => broken.Report(1, random), 1.0, 0, 200_000, 1e-6);
        Assert.True(flagged.Violates, flagged.ToString());
    }

    private static void Check(Func<IRandomSource, double[]> estimate, Func<int, double> variance)
    {
        var runs = new double[Trials][];
        for (var t = 0; t < Trials; t++)
        {
            runs[t] = estimate(new CryptoRandomSource());
        }

        var ratio = 0.0;
        for (var v = 0; v < Domain; v++)
        {
            var mean = runs.Average(r => r[v]);
            var empirical = runs.Sum(r => (r[v] - mean) * (r[v] - mean)) / (Trials - 1);
            var stated = variance(v);
            Assert.InRange(mean, TrueCounts[v] - (6 * Math.Sqrt(stated / Trials)), TrueCounts[v] + (6 * Math.Sqrt(stated / Trials)));
            ratio += empirical / stated / Domain;
        }

        Assert.InRange(ratio, 0.6, 1.5);
    }

    private static IEnumerable<int> Population()
    {
        for (var v = 0; v < Domain; v++)
        {
            for (var i = 0; i < TrueCounts[v]; i++)
            {
                yield return v;
            }
        }
    }

    private static int[] Zipf()
    {
        var weights = Enumerable.Range(1, Domain).Select(r => 1.0 / r).ToArray();
        var counts = weights.Select(w => (int)(Users * w / weights.Sum())).ToArray();
        counts[0] += Users - counts.Sum();
        return counts;
    }
}
