namespace Obscura.Server.Telemetry;

/// <summary>The body of <c>GET /v1/metrics</c>: every instrument this process collected since it started, cumulative.</summary>
/// <param name="CollectedAt">When the values were read.</param>
/// <param name="Metrics">One entry per instrument, by name.</param>
public sealed record MetricsSnapshot(DateTimeOffset CollectedAt, IReadOnlyList<MetricSeries> Metrics);

/// <summary>One instrument's values.</summary>
/// <param name="Name">The instrument, such as <c>http.server.request.duration</c> or <c>obscura.ledger.appends</c>.</param>
/// <param name="Meter">The meter that owns it.</param>
/// <param name="Unit">The unit (UCUM), such as <c>s</c> or <c>By</c>.</param>
/// <param name="Description">What it measures.</param>
/// <param name="Kind"><c>sum</c>, <c>gauge</c> or <c>histogram</c>.</param>
/// <param name="Points">One point per distinct tag set.</param>
public sealed record MetricSeries(string Name, string Meter, string Unit, string Description, string Kind, IReadOnlyList<MetricPointValue> Points);

/// <summary>The value of an instrument for one tag set.</summary>
/// <param name="Tags">The tags (route, method, status, role, outcome, purpose…).</param>
/// <param name="Value">A sum's or gauge's value; null for a histogram.</param>
/// <param name="Count">A histogram's number of measurements; null otherwise.</param>
/// <param name="Sum">A histogram's sum of measurements; null otherwise.</param>
/// <param name="Buckets">A histogram's buckets (upper bound, count in the bucket; the last bound is +∞, written null); null otherwise.</param>
public sealed record MetricPointValue(IReadOnlyDictionary<string, string?> Tags, double? Value, long? Count, double? Sum, IReadOnlyList<HistogramBucket>? Buckets);

/// <summary>A histogram bucket.</summary>
/// <param name="UpperBound">The bucket's inclusive upper bound; null for the last (+∞).</param>
/// <param name="Count">Measurements in this bucket.</param>
public sealed record HistogramBucket(double? UpperBound, long Count);
