using Obscura.Biometrics.Evaluation;
using Obscura.StoreAnalytics.GroupIds;

namespace Obscura.StoreAnalytics.Tests;

/// <summary>The company's "50 % re-match" claim as a measured figure, on real embeddings of the real model.</summary>
public sealed class RealEmbeddingReMatchTests
{
    private static readonly DateOnly Day = new(2026, 12, 4);

    [Fact]
    public async Task Calibrating_on_the_real_photos_gives_the_default_parameters()
    {
        var all = await RealEmbeddings.AllAsync();
        var genuine = RealEmbeddings.Pairs(all).Where(p => p.Genuine).Select(p => p.Angle).ToList();
        var calibrated = ReMatchModel.Calibrate(genuine, GroupIdDefaults.TargetReMatch, GroupIdDefaults.Parameters.MinimumGroupSize, GroupIdDefaults.MaxBits);
        TestContext.Current.TestOutputHelper?.WriteLine($"{genuine.Count} genuine pairs, angles {genuine.Min():F3}–{genuine.Max():F3} rad (mean {genuine.Average():F3}); calibrated b = {calibrated.Bits}, p = {calibrated.FlipProbability:F4}");
        Assert.Equal(GroupIdDefaults.Parameters.Bits, calibrated.Bits);
        Assert.Equal(GroupIdDefaults.Parameters.FlipProbability, calibrated.FlipProbability, 3);
    }

    [Fact]
    public async Task The_measured_re_match_rate_of_the_default_parameters_is_within_five_points_of_fifty_percent()
    {
        var all = await RealEmbeddings.AllAsync();
        var pairs = RealEmbeddings.Pairs(all).ToList();
        var genuine = pairs.Where(p => p.Genuine).ToList();
        Assert.True(genuine.Count >= 30, $"only {genuine.Count} genuine pairs were captured");
        var parameters = GroupIdDefaults.Parameters;
        var random = new SeededRandom(2026);
        using var secret = StoreSecret.FromBytes(new byte[32]);

        // Each (day, pair) trial draws fresh hyperplanes and flips; 300 days × the genuine pairs give ≥ 9,000 trials,
        // whose mean is within 0.03 of its expectation except with probability 2·exp(−2·9000·0.03²) < 10⁻⁶ (Hoeffding).
        int same = 0, trials = 0, strangers = 0, strangerTrials = 0;
        var matedScores = new List<double>();
        var nonMatedScores = new List<double>();
        for (var d = 0; d < 300; d++)
        {
            var hasher = new GroupIdHasher(secret.DailyKey(Day.AddDays(d)), 128, parameters, random);
            var nextDay = new GroupIdHasher(secret.DailyKey(Day.AddDays(d + 1000)), 128, parameters, random);
            foreach (var (isGenuine, a, b, _) in pairs)
            {
                var idA = hasher.Hash(all[a].Embedding);
                var idB = hasher.Hash(all[b].Embedding);
                if (isGenuine)
                {
                    same += idA == idB ? 1 : 0;
                    trials++;
                }
                else
                {
                    strangers += idA == idB ? 1 : 0;
                    strangerTrials++;
                }

                // Linkability across keys (Gomez-Barrero): the score is the number of agreeing bits of one capture's
                // ID today and the other's on another day.
                var score = parameters.Bits - System.Numerics.BitOperations.PopCount(idA.Bits ^ nextDay.Hash(all[b].Embedding).Bits);
                (isGenuine ? matedScores : nonMatedScores).Add(score);
            }
        }

        var rate = (double)same / trials;
        var predicted = ReMatchModel.ReMatch(genuine.Select(p => p.Angle).ToList(), parameters.Bits, parameters.FlipProbability);
        var linkability = Unlinkability.Estimate(matedScores, nonMatedScores, bins: parameters.Bits + 1).System;
        TestContext.Current.TestOutputHelper?.WriteLine($"re-match {rate:P1} over {trials} trials (model {predicted:P1}); strangers share an ID {(double)strangers / strangerTrials:P2}; D↔sys across daily keys {linkability:F3}");
        Assert.InRange(rate, 0.45, 0.55);
        Assert.InRange(rate, predicted - 0.03, predicted + 0.03);
        Assert.True(linkability < 0.1, $"D↔sys across keys is {linkability:F3}");
    }
}
