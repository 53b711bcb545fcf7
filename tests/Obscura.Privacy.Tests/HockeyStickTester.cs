namespace Obscura.Privacy.Tests;

/// <summary>
/// A hockey-stick DP tester. A mechanism is (ε, δ)-DP on neighbours D, D′ when, for every set S of outputs,
/// P[M(D) ∈ S] − e^ε P[M(D′) ∈ S] ≤ δ. The tester draws n outputs on each side, picks S = {o : P̂(o) &gt; e^ε Q̂(o)}
/// from the first half, and estimates P(S) − e^ε Q(S) on the second half, so the estimate is unbiased for a fixed S.
/// By Hoeffding on each side, a correct mechanism's estimate exceeds δ + a(1 + e^ε), a = √(ln(2/β)/(2·n/2)), with
/// probability at most β: that is the test's false-failure probability.
/// </summary>
internal static class HockeyStickTester
{
    public sealed record Verdict(double Estimate, double Threshold)
    {
        public bool Violates => Estimate > Threshold;

        public override string ToString() => $"estimate {Estimate:F4}, threshold {Threshold:F4}";
    }

    public static Verdict Test(Func<long> onD, Func<long> onNeighbour, double epsilon, double delta, int samples, double falseFailure)
    {
        var half = samples / 2;
        var p = Histogram(onD, half);
        var q = Histogram(onNeighbour, half);
        var factor = Math.Exp(epsilon);
        var set = p.Keys.Where(o => p[o] > factor * q.GetValueOrDefault(o)).ToHashSet();

        var p2 = Histogram(onD, half);
        var q2 = Histogram(onNeighbour, half);
        var estimate = (set.Sum(o => (double)p2.GetValueOrDefault(o)) - (factor * set.Sum(o => (double)q2.GetValueOrDefault(o)))) / half;
        var a = Math.Sqrt(Math.Log(2 / falseFailure) / (2.0 * half));
        return new Verdict(estimate, delta + (a * (1 + factor)));
    }

    /// <summary>Both directions (D, D′) and (D′, D); the false-failure probability is at most twice β.</summary>
    public static Verdict TestBothWays(Func<long> onD, Func<long> onNeighbour, double epsilon, double delta, int samples, double falseFailure)
    {
        var forward = Test(onD, onNeighbour, epsilon, delta, samples, falseFailure);
        var backward = Test(onNeighbour, onD, epsilon, delta, samples, falseFailure);
        return forward.Estimate - forward.Threshold >= backward.Estimate - backward.Threshold ? forward : backward;
    }

    private static Dictionary<long, int> Histogram(Func<long> sample, int n)
    {
        var counts = new Dictionary<long, int>();
        for (var i = 0; i < n; i++)
        {
            var o = sample();
            counts[o] = counts.GetValueOrDefault(o) + 1;
        }

        return counts;
    }
}
