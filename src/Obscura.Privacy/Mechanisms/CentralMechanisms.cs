using Obscura.Privacy.Sampling;

namespace Obscura.Privacy.Mechanisms;

/// <summary>
/// Central-model mechanisms: count, bounded sum, mean, histogram and quantile. The library bounds each subject's
/// contribution itself (at most <c>maxRowsPerSubject</c> rows, chosen uniformly at random, and each value clamped to
/// the declared bounds), and takes every bound from the caller, never from the data. Values are quantised to a grid of
/// step <c>granularity</c> and summed as integers, so the sensitivity is an exact integer and the noise is exact
/// discrete Laplace (pure ε-DP) or discrete Gaussian (ρ-zCDP, Canonne–Kamath–Steinke Thm. 4) noise on that grid:
/// a granularity-based mechanism, with no floating point in the sampling path.
/// </summary>
public sealed class CentralMechanisms(IRandomSource random)
{
    /// <summary>Most candidate values a quantile search considers.</summary>
    public const int MaxQuantileCandidates = 1_000_000;

    /// <summary>The number of rows, each subject counting for at most <paramref name="maxRowsPerSubject"/>.</summary>
    public Release<long> Count(IEnumerable<string> rowSubjects, int maxRowsPerSubject, PrivacyParameter privacy)
    {
        ArgumentNullException.ThrowIfNull(rowSubjects);
        ArgumentNullException.ThrowIfNull(privacy);
        var rows = Bound(rowSubjects.Select(s => new Row<bool>(s, true)), maxRowsPerSubject);
        var (noise, sd) = Noise((ulong)maxRowsPerSubject, (ulong)maxRowsPerSubject * (ulong)maxRowsPerSubject, privacy);
        return new Release<long>(rows.Count + noise, privacy.Cost, sd, rows.Count);
    }

    /// <summary>The sum of values clamped to [<paramref name="lower"/>, <paramref name="upper"/>] and rounded to multiples of <paramref name="granularity"/>.</summary>
    public Release<double> BoundedSum(IEnumerable<Row<double>> rows, double lower, double upper, double granularity, int maxRowsPerSubject, PrivacyParameter privacy)
    {
        ArgumentNullException.ThrowIfNull(privacy);
        var (low, high) = Grid(lower, upper, granularity);
        var kept = Bound(rows, maxRowsPerSubject);
        var sum = kept.Sum(r => Quantise(r.Value, lower, upper, granularity));
        var perRow = (ulong)Math.Max(Math.Abs(low), Math.Abs(high));
        var sensitivity = checked(Math.Max(perRow, 1) * (ulong)maxRowsPerSubject);
        var (noise, sd) = Noise(sensitivity, checked(sensitivity * sensitivity), privacy);
        return new Release<double>((sum + noise) * granularity, privacy.Cost, sd * granularity, kept.Count);
    }

    /// <summary>The mean: a bounded sum and a count, each with half the budget; the ratio is clamped to the bounds.</summary>
    public Release<double> Mean(IReadOnlyCollection<Row<double>> rows, double lower, double upper, double granularity, int maxRowsPerSubject, PrivacyParameter privacy)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(privacy);
        var half = privacy.Split(2);
        var sum = BoundedSum(rows, lower, upper, granularity, maxRowsPerSubject, half);
        var count = Count(rows.Select(r => r.Subject), maxRowsPerSubject, half);
        var mean = Math.Clamp(sum.Value / Math.Max(1, count.Value), lower, upper);
        return new Release<double>(mean, privacy.Cost, double.NaN, sum.RowsUsed);
    }

    /// <summary>
    /// Counts per declared category; rows with other categories are dropped. A subject adds at most 1 to each category
    /// and appears in at most <paramref name="maxRowsPerSubject"/> categories (L1 sensitivity m, L2 √m).
    /// </summary>
    public Release<IReadOnlyDictionary<string, long>> Histogram(IEnumerable<Row<string>> rows, IReadOnlyList<string> categories, int maxRowsPerSubject, PrivacyParameter privacy)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(privacy);
        if (categories.Count == 0 || categories.Distinct(StringComparer.Ordinal).Count() != categories.Count)
        {
            throw new ArgumentException("Declare the categories, each once; they are never read from the data.", nameof(categories));
        }

        var declared = categories.ToHashSet(StringComparer.Ordinal);
        var kept = Bound(rows.Where(r => declared.Contains(r.Value)).Distinct(), maxRowsPerSubject);
        var counts = categories.ToDictionary(c => c, _ => 0L, StringComparer.Ordinal);
        foreach (var row in kept)
        {
            counts[row.Value]++;
        }

        var m = (ulong)maxRowsPerSubject;
        var sd = 0.0;
        foreach (var category in categories)
        {
            (var noise, sd) = Noise(m, m, privacy);
            counts[category] += noise;
        }

        return new Release<IReadOnlyDictionary<string, long>>(counts, privacy.Cost, sd, kept.Count);
    }

    /// <summary>
    /// The <paramref name="quantile"/> (0–1) of values clamped to the bounds, chosen among the grid points from
    /// <paramref name="lower"/> to <paramref name="upper"/> by permute-and-flip (McKenna and Sheldon 2020) with utility
    /// −|rank − q·n| (doubled to be an integer) of sensitivity 2m: pure ε-DP, sampled exactly with Bernoulli(exp(−γ)).
    /// </summary>
    public Release<double> Quantile(IEnumerable<Row<double>> rows, double quantile, double lower, double upper, double granularity, int maxRowsPerSubject, Rational epsilon)
    {
        if (!(quantile >= 0 && quantile <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(quantile), quantile, "The quantile lies in [0, 1].");
        }

        var privacy = PrivacyParameter.Epsilon(epsilon);
        var (low, high) = Grid(lower, upper, granularity);
        var candidates = high - low + 1;
        if (candidates > MaxQuantileCandidates)
        {
            throw new ArgumentException($"The bounds and granularity give {candidates} candidates; at most {MaxQuantileCandidates} are searched.", nameof(granularity));
        }

        var kept = Bound(rows, maxRowsPerSubject);
        var values = kept.Select(r => Quantise(r.Value, lower, upper, granularity)).Order().ToArray();
        var twiceTarget = (long)Math.Round(2 * quantile * values.Length, MidpointRounding.AwayFromZero);
        long Utility(long c) => -Math.Abs((2L * UpperBound(values, c)) - twiceTarget);

        var best = long.MinValue;
        for (var c = low; c <= high; c++)
        {
            best = Math.Max(best, Utility(c));
        }

        // Visit candidates in a uniformly random order (lazy Fisher–Yates); accept c with probability exp(ε(u − u*)/(2Δ)).
        // The candidate with u = u* is always accepted, so one pass suffices.
        var sensitivity = 2UL * (ulong)maxRowsPerSubject;
        var moved = new Dictionary<long, long>();
        for (var left = candidates; left > 0; left--)
        {
            var pick = (long)ExactSamplers.UniformBelow(random, (ulong)left);
            var candidate = moved.GetValueOrDefault(pick, pick);
            moved[pick] = moved.GetValueOrDefault(left - 1, left - 1);
            var value = low + candidate;
            var gap = (ulong)(best - Utility(value));
            if (ExactSamplers.BernoulliExp(random, (UInt128)epsilon.Numerator * gap, (UInt128)epsilon.Denominator * 2 * sensitivity))
            {
                return new Release<double>(value * granularity, privacy.Cost, double.NaN, kept.Count);
            }
        }

        throw new InvalidOperationException("Permute-and-flip accepts the best candidate with probability 1.");
    }

    /// <summary>At most <paramref name="maxRowsPerSubject"/> rows per subject, chosen uniformly at random.</summary>
    internal List<Row<T>> Bound<T>(IEnumerable<Row<T>> rows, int maxRowsPerSubject)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRowsPerSubject, 1);
        var kept = new List<Row<T>>();
        foreach (var group in rows.GroupBy(r => r.Subject, StringComparer.Ordinal))
        {
            var all = group.ToArray();
            for (var i = 0; i < Math.Min(all.Length, maxRowsPerSubject); i++)
            {
                var j = i + (int)ExactSamplers.UniformBelow(random, (ulong)(all.Length - i));
                (all[i], all[j]) = (all[j], all[i]);
                kept.Add(all[i]);
            }
        }

        return kept;
    }

    private (long Noise, double StandardDeviation) Noise(ulong l1, ulong l2Squared, PrivacyParameter privacy)
    {
        var p = privacy.Value;
        if (!privacy.Concentrated)
        {
            // Discrete Laplace with scale Δ1/ε = Δ1·den/num: ε-DP for integer sensitivity Δ1.
            var scale = Rational.Of(checked(l1 * p.Denominator), p.Numerator);
            var b = scale.Value;
            return (ExactSamplers.DiscreteLaplace(random, scale), Math.Sqrt(2 * Math.Exp(-1 / b)) / (1 - Math.Exp(-1 / b)));
        }

        // Discrete Gaussian with σ² = Δ2²/(2ρ): ρ-zCDP (CKS Theorem 4).
        var variance = Rational.Of(checked(l2Squared * p.Denominator), checked(2 * p.Numerator));
        return (ExactSamplers.DiscreteGaussian(random, variance), Math.Sqrt(variance.Value));
    }

    private static (long Low, long High) Grid(double lower, double upper, double granularity)
    {
        if (!double.IsFinite(lower) || !double.IsFinite(upper) || !(upper > lower))
        {
            throw new ArgumentException("Declare finite bounds with lower < upper; they are never read from the data.", nameof(lower));
        }

        if (!(granularity > 0) || !double.IsFinite(granularity) || Math.Abs(upper / granularity) > 1e15 || Math.Abs(lower / granularity) > 1e15)
        {
            throw new ArgumentOutOfRangeException(nameof(granularity), granularity, "The granularity is positive and the bounds are at most 10^15 grid steps.");
        }

        return ((long)Math.Round(lower / granularity, MidpointRounding.AwayFromZero), (long)Math.Round(upper / granularity, MidpointRounding.AwayFromZero));
    }

    private static long Quantise(double value, double lower, double upper, double granularity) =>
        (long)Math.Round((double.IsNaN(value) ? lower : Math.Clamp(value, lower, upper)) / granularity, MidpointRounding.AwayFromZero);

    private static int UpperBound(long[] sorted, long value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
