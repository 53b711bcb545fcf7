using System.Globalization;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Obscura.Server.Telemetry;

/// <summary>
/// A metric reader with no collector behind it: <see cref="Read"/> asks the SDK for a cumulative collection and
/// returns it as a <see cref="MetricsSnapshot"/>, for <c>GET /v1/metrics</c> and the console.
/// </summary>
internal sealed class InProcessMetrics : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SnapshotExporter _exporter = new();
    private readonly TimeProvider _clock;

    public InProcessMetrics(TimeProvider clock)
    {
        _clock = clock;
        Reader = new BaseExportingMetricReader(_exporter) { TemporalityPreference = MetricReaderTemporalityPreference.Cumulative };
    }

    /// <summary>The reader to register with the meter provider, which also disposes it.</summary>
    public MetricReader Reader { get; }

    /// <summary>Collects now and returns every instrument's cumulative values; empty until the provider is built.</summary>
    public MetricsSnapshot Read()
    {
        lock (_gate)
        {
            _exporter.Last = [];
            Reader.Collect();
            return new MetricsSnapshot(_clock.GetUtcNow(), [.. _exporter.Last.OrderBy(m => m.Name, StringComparer.Ordinal)]);
        }
    }

    /// <summary>Disposes the reader and its exporter (the provider may have done so already: disposal is idempotent).</summary>
    public void Dispose() => Reader.Dispose();

    /// <summary>Copies the batch the reader hands over: the SDK reuses its metric points after the export returns.</summary>
    private sealed class SnapshotExporter : BaseExporter<Metric>
    {
        public List<MetricSeries> Last { get; set; } = [];

        public override ExportResult Export(in Batch<Metric> batch)
        {
            var series = new List<MetricSeries>();
            foreach (var metric in batch)
            {
                var histogram = metric.MetricType is MetricType.Histogram;
                var points = new List<MetricPointValue>();
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    var tags = new SortedDictionary<string, string?>(StringComparer.Ordinal);
                    foreach (var tag in point.Tags)
                    {
                        tags[tag.Key] = Convert.ToString(tag.Value, CultureInfo.InvariantCulture);
                    }

                    points.Add(histogram ? Histogram(tags, point) : new MetricPointValue(tags, Scalar(metric.MetricType, point), null, null, null));
                }

                series.Add(new MetricSeries(metric.Name, metric.MeterName, metric.Unit ?? "", metric.Description ?? "", Kind(metric.MetricType), points));
            }

            Last = series;
            return ExportResult.Success;
        }

        private static MetricPointValue Histogram(SortedDictionary<string, string?> tags, MetricPoint point)
        {
            var buckets = new List<HistogramBucket>();
            foreach (var bucket in point.GetHistogramBuckets())
            {
                buckets.Add(new HistogramBucket(double.IsPositiveInfinity(bucket.ExplicitBound) ? null : bucket.ExplicitBound, bucket.BucketCount));
            }

            return new MetricPointValue(tags, null, point.GetHistogramCount(), point.GetHistogramSum(), buckets);
        }

        private static double? Scalar(MetricType type, MetricPoint point) => type switch
        {
            MetricType.LongSum or MetricType.LongSumNonMonotonic => point.GetSumLong(),
            MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => point.GetSumDouble(),
            MetricType.LongGauge => point.GetGaugeLastValueLong(),
            MetricType.DoubleGauge => point.GetGaugeLastValueDouble(),
            _ => null,
        };

        private static string Kind(MetricType type) => type switch
        {
            MetricType.Histogram or MetricType.ExponentialHistogram => "histogram",
            MetricType.LongGauge or MetricType.DoubleGauge => "gauge",
            _ => "sum",
        };
    }
}
