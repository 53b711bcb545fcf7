namespace Obscura.StoreAnalytics.Edge;

/// <summary>Median and 99th percentile of how long images and embeddings existed in memory, over <see cref="Count"/> measurements.</summary>
public sealed record ResidenceSummary(int Count, TimeSpan P50, TimeSpan P99)
{
    /// <summary>Summarises measurements (nearest-rank percentiles).</summary>
    public static ResidenceSummary Of(IReadOnlyCollection<TimeSpan> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return new ResidenceSummary(0, TimeSpan.Zero, TimeSpan.Zero);
        }

        var sorted = values.Order().ToArray();
        TimeSpan Rank(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new ResidenceSummary(sorted.Length, Rank(0.5), Rank(0.99));
    }
}
