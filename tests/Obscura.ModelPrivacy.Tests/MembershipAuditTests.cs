using Obscura.ModelPrivacy.Audit;
using Obscura.ModelPrivacy.Training;

namespace Obscura.ModelPrivacy.Tests;

public sealed class MembershipAuditTests
{
    [Fact]
    public void The_roc_of_separated_equal_and_tied_scores()
    {
        var separated = new RocCurve([5, 6, 7, 8], [1, 2, 3, 4]);
        Assert.Equal(1, separated.Auc);
        Assert.Equal(1, separated.TruePositiveRateAt(0));

        var equal = new RocCurve([1, 2, 3, 4], [1, 2, 3, 4]);
        Assert.Equal(0.5, equal.Auc);
        Assert.Equal(0, equal.TruePositiveRateAt(0));     // nothing scores above the best non-member
        Assert.Equal(0.25, equal.TruePositiveRateAt(0.25)); // one false alarm allowed: threshold 3, member 4 flagged
        Assert.Equal(1, equal.TruePositiveRateAt(1));

        var reversed = new RocCurve([1, 2], [3, 4]);
        Assert.Equal(0, reversed.Auc);
        Assert.Equal(0.5, new RocCurve([2], [2]).Auc);
        Assert.Throws<ArgumentException>(() => new RocCurve([], [1]));
        Assert.Throws<ArgumentException>(() => new RocCurve([double.NaN], [1]));
        Assert.Equal(5, separated.Points().Count);
    }

    [Fact]
    public void The_scaled_confidence_is_the_log_odds_of_the_true_class()
    {
        float[] logits = [2.5f, -1f, 0.3f, 4f];
        var exp = logits.Select(z => Math.Exp(z)).ToArray();
        for (var y = 0; y < logits.Length; y++)
        {
            var p = exp[y] / exp.Sum();
            var (phi, loss, predicted) = MembershipAudit.Score(logits, y);
            Assert.Equal(Math.Log(p / (1 - p)), phi, 9);
            Assert.Equal(-Math.Log(p), loss, 9);
            Assert.Equal(3, predicted);
        }
    }

    [Fact]
    public void Lira_finds_the_members_of_an_overfit_model_far_better_than_the_loss_baseline_and_dp_sgd_takes_it_to_chance()
    {
        var overfit = new MembershipAuditOptions
        {
            PoolSize = 600,
            Shadows = 8,
            Hidden = 64,
            Training = new TrainingOptions { Epochs = 40, BatchSize = 32, LearningRate = 0.1f },
        };

        var leaky = MembershipAudit.Run(FashionMnistSubset.Train, overfit);
        var lira = leaky.Attacks.Single(a => a.Attack == "lira-online");
        var loss = leaky.Attacks.Single(a => a.Attack == "loss-baseline");
        TestContext.Current.TestOutputHelper?.WriteLine($"overfit: train {leaky.TargetTrainAccuracy:P1}, test {leaky.TargetTestAccuracy:P1}; LiRA AUC {lira.Auc:F3}, TPR@1% {lira.TprAtFpr001:P1}; loss AUC {loss.Auc:F3}, TPR@1% {loss.TprAtFpr001:P1}");
        Assert.True(leaky.TargetTrainAccuracy - leaky.TargetTestAccuracy > 0.1);
        Assert.True(lira.Auc > 0.62);
        Assert.True(lira.TprAtFpr001 > 3 * 0.01 && lira.TprAtFpr001 > loss.TprAtFpr001);
        Assert.Contains("leaks", leaky.Verdict, StringComparison.Ordinal);
        Assert.Equal(10, leaky.MostExposed.Count);
        Assert.True(leaky.MostExposed.Count(r => r.IsMember) >= 8);

        var dp = overfit with { Training = new TrainingOptions { Epochs = 30, BatchSize = 64, LearningRate = 1f, ClipNorm = 1f, NoiseMultiplier = 3 } };
        var safe = MembershipAudit.Run(FashionMnistSubset.Train, dp);
        var dpLira = safe.Attacks.Single(a => a.Attack == "lira-online");
        TestContext.Current.TestOutputHelper?.WriteLine($"DP-SGD σ = 3: train {safe.TargetTrainAccuracy:P1}, test {safe.TargetTestAccuracy:P1}; LiRA AUC {dpLira.Auc:F3}, TPR@1% {dpLira.TprAtFpr001:P1}");
        Assert.InRange(dpLira.Auc, 0.4, 0.58);
        Assert.True(dpLira.TprAtFpr001 < lira.TprAtFpr001 / 3);
    }

    [Fact]
    public void A_dp_recipe_is_stated_at_the_epsilon_charged_by_the_tighter_accountant_with_both_figures()
    {
        // The σ = 3 recipe of docs/model-privacy.md: 1,000 training records, batch 128, 30 epochs (q = 0.128, T = 240).
        var training = new TrainingOptions { Epochs = 30, BatchSize = 128, LearningRate = 1f, ClipNorm = 1f, NoiseMultiplier = 3 };
        var charged = MembershipAudit.ChargedEpsilon(1000, training)!.Value;
        Assert.Equal("pld", charged.MethodToken);
        Assert.Equal(charged.PldEpsilon, charged.Epsilon);
        Assert.InRange(charged.Epsilon, 2.85, 2.95);
        Assert.InRange(charged.RdpEpsilon, 3.15, 3.25);
        Assert.Null(MembershipAudit.ChargedEpsilon(1000, training with { NoiseMultiplier = null }));

        var options = new MembershipAuditOptions { PoolSize = 60, Shadows = 4, Hidden = 0, Training = new TrainingOptions { Epochs = 2, BatchSize = 10, LearningRate = 0.5f, ClipNorm = 1f, NoiseMultiplier = 2 } };
        var result = MembershipAudit.Run(FashionMnistSubset.Train, options);
        var expected = MembershipAudit.ChargedEpsilon(30, options.Training)!.Value;
        Assert.Equal(expected, result.Privacy);
        Assert.Equal(Math.Min(expected.RdpEpsilon, expected.PldEpsilon ?? double.PositiveInfinity), expected.Epsilon);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        Assert.Contains($"charged ε = {expected.Epsilon.ToString("F2", inv)} at δ = 10⁻⁵ by the {expected.MethodToken.ToUpperInvariant()} accountant", result.Verdict, StringComparison.Ordinal);
        Assert.Contains($"RDP gives {expected.RdpEpsilon.ToString("F2", inv)}", result.Verdict, StringComparison.Ordinal);
        Assert.Null(MembershipAudit.Run(FashionMnistSubset.Train, options with { Training = options.Training with { NoiseMultiplier = null } }).Privacy);
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MembershipAudit.Run(FashionMnistSubset.Train, new MembershipAuditOptions { Shadows = 2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => MembershipAudit.Run(FashionMnistSubset.Train, new MembershipAuditOptions { PoolSize = 10 }));
        Assert.Throws<ArgumentException>(() => MembershipAudit.Run(FashionMnistSubset.Train, new MembershipAuditOptions { PoolSize = 5000 }));
    }
}
