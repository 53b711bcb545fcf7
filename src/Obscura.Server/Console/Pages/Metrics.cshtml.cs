using System.Globalization;
using Obscura.Server.Telemetry;

namespace Obscura.Server.Console.Pages;

/// <summary>
/// The metrics this server process collected since it started (the same as <c>GET /v1/metrics</c>): request latency per
/// route and role, decisions, ε charged, ledger appends, vault bytes. No tag names a subject, key or object.
/// </summary>
internal sealed class MetricsModel(InProcessMetrics metrics) : ConsolePageModel
{
    public MetricsSnapshot? Snapshot { get; private set; }

    public void OnGet() => Snapshot = metrics.Read();

    /// <summary>The tags of a point as <c>name=value</c> pairs, or a dash when it has none.</summary>
    public static string Tags(MetricPointValue point) =>
        point.Tags.Count == 0 ? "—" : string.Join(", ", point.Tags.Select(t => $"{t.Key}={t.Value}"));

    /// <summary>
    /// The upper bound of the histogram bucket in which the <paramref name="quantile"/> of the measurements falls: the
    /// quantile is at most that value. Null when it falls in the last, unbounded bucket or there are no measurements.
    /// </summary>
    public static double? QuantileBound(IReadOnlyList<HistogramBucket> buckets, double quantile)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        ArgumentOutOfRangeException.ThrowIfLessThan(quantile, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quantile, 1.0);
        var total = buckets.Sum(b => b.Count);
        if (total == 0)
        {
            return null;
        }

        // The smallest k measurements with k ≥ quantile·total: the quantile is the k-th smallest.
        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        foreach (var bucket in buckets)
        {
            seen += bucket.Count;
            if (seen >= rank)
            {
                return bucket.UpperBound;
            }
        }

        return null;
    }

    /// <summary>A value in the instrument's unit, readable: seconds as milliseconds, bytes grouped.</summary>
    public static string Format(double value, string unit) => unit switch
    {
        "s" => (value * 1000).ToString("0.###", CultureInfo.InvariantCulture) + " ms",
        "By" => value.ToString("N0", CultureInfo.InvariantCulture) + " bytes",
        _ => value.ToString("0.####", CultureInfo.InvariantCulture) + (unit is "" or "1" || unit.StartsWith('{') ? string.Empty : " " + unit),
    };

    /// <summary>A quantile bound as text: "≤ value", or "above the last bucket".</summary>
    public static string Bound(double? bound, string unit) => bound is { } b ? "≤ " + Format(b, unit) : "above the last bucket";
}
