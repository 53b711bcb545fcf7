using CsCheck;

namespace Obscura.Vault.Tests;

public sealed class SubsetSelectionTests
{
    /// <summary>Candidate sets: up to 400 records over up to 5 strata, a fraction in (0, 1], sometimes a cap.</summary>
    private static readonly Gen<(SelectionCandidate[] Candidates, double Fraction, int? Max)> Inputs =
        Gen.Select(Gen.Int[0, 400], Gen.Int[1, 5], Gen.Int[1, 1000], Gen.Int[0, 3], Gen.Int[0, 500])
            .Select(t =>
            {
                var (count, strata, permille, capped, cap) = t;
                var candidates = Enumerable.Range(0, count).Select(i => new SelectionCandidate($"obj_{i:x4}", "s" + ((i * 7919) % strata))).ToArray();
                return (candidates, permille / 1000.0, capped == 0 ? (int?)cap : null);
            });

    [Fact]
    public void The_total_is_the_rounded_fraction_or_the_cap_and_each_stratum_is_within_one_of_its_share()
    {
        Inputs.Sample(t =>
        {
            var chosen = SubsetSelection.Choose(t.Candidates, t.Fraction, t.Max, "model-training/v1");
            var target = SubsetSelection.TargetCount(t.Candidates.Length, t.Fraction, t.Max);
            Assert.Equal(Math.Min((int)Math.Round(t.Fraction * t.Candidates.Length, MidpointRounding.AwayFromZero), t.Max ?? int.MaxValue), target);
            Assert.Equal(target, chosen.Count);
            Assert.Equal(chosen.Count, chosen.Distinct().Count());
            var set = chosen.ToHashSet();
            foreach (var stratum in t.Candidates.GroupBy(c => c.Stratum))
            {
                var share = (double)target * stratum.Count() / t.Candidates.Length;
                var taken = stratum.Count(c => set.Contains(c.ObjectId));
                Assert.InRange(taken, Math.Floor(share), Math.Ceiling(share));
            }
        });
    }

    [Fact]
    public void The_selection_depends_on_the_seed_and_the_candidates_not_on_their_order()
    {
        Inputs.Sample(t =>
        {
            var shuffled = t.Candidates.OrderBy(c => c.ObjectId.GetHashCode(StringComparison.Ordinal) ^ 0x5bd1e995).ToArray();
            Assert.Equal(
                SubsetSelection.Choose(t.Candidates, t.Fraction, t.Max, "model-training/v1"),
                SubsetSelection.Choose(shuffled, t.Fraction, t.Max, "model-training/v1"));
        });
    }

    [Fact]
    public void Different_policy_versions_draw_different_subsets_of_the_same_size()
    {
        var candidates = Enumerable.Range(0, 1000).Select(i => new SelectionCandidate($"obj_{i:x4}", "")).ToArray();
        var v1 = SubsetSelection.Choose(candidates, 0.1, null, "model-training/v1");
        var v2 = SubsetSelection.Choose(candidates, 0.1, null, "model-training/v2");
        Assert.Equal(100, v1.Count);
        Assert.Equal(100, v2.Count);
        // Two independent 10% draws share about 10 records; 40 or more would happen by chance with probability < 1e-12.
        Assert.InRange(v1.Intersect(v2).Count(), 0, 39);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        SelectionCandidate[] one = [new("a", "")];
        Assert.Throws<ArgumentOutOfRangeException>(() => SubsetSelection.Choose(one, 0, null, "s"));
        Assert.Throws<ArgumentOutOfRangeException>(() => SubsetSelection.Choose(one, 1.5, null, "s"));
        Assert.Throws<ArgumentOutOfRangeException>(() => SubsetSelection.Choose(one, 0.5, -1, "s"));
        Assert.Throws<ArgumentException>(() => SubsetSelection.Choose([new("a", ""), new("a", "x")], 0.5, null, "s"));
    }
}
