using Obscura.StoreAnalytics.GroupIds;

namespace Obscura.StoreAnalytics.Tests;

public sealed class GroupIdTests
{
    private static readonly DateOnly Day = new(2026, 12, 4);

    /// <summary>A unit vector at angle θ from <paramref name="x"/> (both dimension 128).</summary>
    internal static float[] AtAngle(float[] x, double theta, SeededRandom random)
    {
        var r = Enumerable.Range(0, x.Length).Select(_ => random.NextGaussian()).ToArray();
        var dot = r.Zip(x, (a, b) => a * b).Sum();
        var orth = r.Select((v, i) => v - (dot * x[i])).ToArray();
        var norm = Math.Sqrt(orth.Sum(v => v * v));
        return [.. x.Select((v, i) => (float)((Math.Cos(theta) * v) + (Math.Sin(theta) * orth[i] / norm)))];
    }

    internal static float[] UnitVector(SeededRandom random, int d = 128)
    {
        var v = Enumerable.Range(0, d).Select(_ => random.NextGaussian()).ToArray();
        var n = Math.Sqrt(v.Sum(a => a * a));
        return [.. v.Select(a => (float)(a / n))];
    }

    [Theory]
    [InlineData(0.3, 0.0)]
    [InlineData(0.6, 0.05)]
    [InlineData(1.2, 0.2)]
    public void Measured_id_agreement_matches_the_formula_over_many_daily_keys(double theta, double p)
    {
        // 4,000 (key, pair) trials; a mean of Bernoulli draws is within 0.035 of its expectation except with
        // probability 2·exp(−2·4000·0.035²) < 10⁻⁴ (Hoeffding).
        var random = new SeededRandom(7);
        using var secret = StoreSecret.FromBytes(new byte[32]);
        var parameters = new GroupIdParameters(3, p, 1);
        var same = 0;
        const int Trials = 4000;
        for (var t = 0; t < Trials; t++)
        {
            var key = secret.DailyKey(Day.AddDays(t));
            var hasher = new GroupIdHasher(key, 128, parameters, random);
            var x = UnitVector(random);
            var y = AtAngle(x, theta, random);
            same += hasher.Hash(x) == hasher.Hash(y) ? 1 : 0;
        }

        var expected = ReMatchModel.ReMatch([theta], 3, p);
        Assert.InRange((double)same / Trials, expected - 0.035, expected + 0.035);
    }

    [Fact]
    public void The_bit_agreement_formula_has_its_end_points()
    {
        Assert.Equal(1, ReMatchModel.BitAgreement(0, 0), 12);
        Assert.Equal(0.5, ReMatchModel.BitAgreement(Math.PI / 2, 0), 12);
        Assert.Equal(0.5, ReMatchModel.BitAgreement(0.3, 0.5), 12);
        Assert.Equal(0.9 * 0.9 + 0.1 * 0.1, ReMatchModel.BitAgreement(0, 0.1), 12);
    }

    [Fact]
    public void Calibration_takes_the_most_bits_that_reach_the_target_and_flips_the_rest_down_to_it()
    {
        double[] angles = [0.25, 0.3, 0.35, 0.4, 0.5];
        var parameters = ReMatchModel.Calibrate(angles, 0.5, 5);
        Assert.True(ReMatchModel.ReMatch(angles, parameters.Bits, 0) >= 0.5);
        Assert.True(ReMatchModel.ReMatch(angles, parameters.Bits + 1, 0) < 0.5, "one more bit would miss the target even without flips");
        Assert.Equal(0.5, ReMatchModel.ReMatch(angles, parameters.Bits, parameters.FlipProbability), 6);
        Assert.InRange(parameters.FlipProbability, 0, 0.5);
        Assert.Throws<ArgumentException>(() => ReMatchModel.Calibrate([3.0], 0.5, 5));
    }

    [Fact]
    public void Daily_keys_differ_between_days_and_stores_and_repeat_within_a_day()
    {
        using var a = StoreSecret.FromBytes(Enumerable.Repeat((byte)1, 32).ToArray());
        using var b = StoreSecret.FromBytes(Enumerable.Repeat((byte)2, 32).ToArray());
        Assert.Equal(a.DailyKey(Day), a.DailyKey(Day));
        Assert.NotEqual(a.DailyKey(Day), a.DailyKey(Day.AddDays(1)));
        Assert.NotEqual(a.DailyKey(Day), b.DailyKey(Day));
        Assert.DoesNotContain("1", a.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_flips_the_same_embedding_gets_the_same_id_within_a_day_and_unrelated_ids_across_days()
    {
        var random = new SeededRandom(3);
        using var secret = StoreSecret.Generate();
        var parameters = new GroupIdParameters(8, 0, 1);
        var x = UnitVector(random);
        var today = new GroupIdHasher(secret.DailyKey(Day), 128, parameters);
        Assert.Equal(today.Hash(x), today.Hash(x));

        // Across 400 days the same embedding's 8-bit IDs spread: at least 150 distinct values (uniform would give
        // about 200; a failure probability far below 10⁻⁶ for a keyed hash).
        var ids = Enumerable.Range(0, 400).Select(d => new GroupIdHasher(secret.DailyKey(Day.AddDays(d)), 128, parameters).Hash(x)).ToHashSet();
        Assert.True(ids.Count >= 150, $"{ids.Count} distinct IDs over 400 days");
    }

    [Fact]
    public void Every_published_id_stands_for_at_least_k_captures_and_merged_ids_are_prefixes()
    {
        var random = new SeededRandom(11);
        var ids = Enumerable.Range(0, 300).Select(_ => new GroupId((uint)(random.NextUInt64() % 64), 6)).ToList();
        const int K = 12;
        var published = MinimumGroupSize.Apply(ids, K);
        var counts = published.Where(p => p is not null).GroupBy(p => p!.Value).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(counts.Values, c => Assert.True(c >= K));
        for (var i = 0; i < ids.Count; i++)
        {
            if (published[i] is { } p)
            {
                Assert.Equal(p, ids[i].Prefix(p.Length));
            }
        }

        Assert.Contains(counts.Keys, id => id.Length < 6);

        // Fewer than k captures in the whole band: all suppressed.
        Assert.All(MinimumGroupSize.Apply(ids.Take(K - 1).ToList(), K), p => Assert.Null(p));
    }

    [Fact]
    public void Group_ids_print_as_bit_strings_and_parse_back()
    {
        var id = new GroupId(0b01101, 5);
        Assert.Equal("01101", id.ToString());
        Assert.Equal(id, GroupId.Parse("01101"));
        Assert.Equal(new GroupId(0b011, 3), id.Prefix(3));
        Assert.Equal("-", id.Prefix(0).ToString());
        Assert.Equal(id.Prefix(0), GroupId.Parse("-"));
        Assert.Throws<FormatException>(() => GroupId.Parse("012"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GroupId(8, 3));
    }
}
