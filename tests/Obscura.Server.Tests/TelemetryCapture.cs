using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using OpenTelemetry;

namespace Obscura.Server.Tests;

/// <summary>
/// What leaves the process as telemetry: every measurement of the collected meters (ASP.NET Core's and Obscura's) with
/// its tags, seen by a <see cref="MeterListener"/>, and every span as the exporters receive it (a processor added after
/// the server's own, so it sees what an OTLP exporter would).
/// </summary>
public sealed class TelemetryCapture : IDisposable
{
    /// <summary>How long <see cref="WaitForAsync"/> waits before it fails: a bound for a broken test, not a timing.</summary>
    private static readonly TimeSpan WaitLimit = TimeSpan.FromMinutes(2);

    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TelemetryCapture()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith("Obscura.", StringComparison.Ordinal) || instrument.Meter.Name.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>A measurement: instrument, value and tags.</summary>
    public sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, string?> Tags);

    /// <summary>A finished span as exported: its name and attributes.</summary>
    public sealed record Span(string Name, ActivityKind Kind, string TraceId, IReadOnlyDictionary<string, string?> Tags, IReadOnlyList<string> EventTexts);

    public ConcurrentQueue<Measurement> Measurements { get; } = new();

    public ConcurrentQueue<Span> Spans { get; } = new();

    /// <summary>The processor to add to the tracer provider.</summary>
    public BaseProcessor<Activity> SpanProcessor => new SpanRecorder(this);

    public IEnumerable<Measurement> Of(string instrument) => Measurements.Where(m => m.Instrument == instrument);

    /// <summary>The server spans of the requests sent under <paramref name="trace"/> (see <see cref="Trace"/>).</summary>
    public IEnumerable<Span> ServerSpansOf(string trace) => Spans.Where(s => s.Kind == ActivityKind.Server && s.TraceId == trace);

    /// <summary>
    /// Sends every request of <paramref name="clients"/> as a child of one new trace (a W3C <c>traceparent</c> header,
    /// which the server's span takes as its parent), so a test can wait for its own requests' spans and no one else's.
    /// </summary>
    /// <returns>The trace id, in hex.</returns>
    public static string Trace(params HttpClient[] clients)
    {
        var trace = ActivityTraceId.CreateRandom();
        foreach (var client in clients)
        {
            client.DefaultRequestHeaders.Add("traceparent", $"00-{trace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        }

        return trace.ToHexString();
    }

    /// <summary>Waits (see <see cref="WaitForAsync"/>) until <paramref name="count"/> server spans of <paramref name="trace"/> have ended.</summary>
    public Task WaitForSpansAsync(string trace, int count, CancellationToken cancellationToken) =>
        WaitForAsync(() => ServerSpansOf(trace).Count() >= count, $"{count} server spans of this test's requests", cancellationToken);

    /// <summary>Every string an exporter could send: span names, attribute keys and values, event names and attributes, metric tags.</summary>
    public IEnumerable<string> ExportedStrings()
    {
        foreach (var m in Measurements)
        {
            yield return m.Instrument;
            foreach (var (k, v) in m.Tags)
            {
                yield return k;
                yield return v ?? "";
            }
        }

        foreach (var s in Spans)
        {
            yield return s.Name;
            foreach (var (k, v) in s.Tags)
            {
                yield return k;
                yield return v ?? "";
            }

            foreach (var e in s.EventTexts)
            {
                yield return e;
            }
        }
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, checking it again each time a measurement or span arrives (no
    /// polling): a request's duration and server span are recorded when the host disposes its context, which can be
    /// just after the client has read the response. Fails with <paramref name="what"/> and what was captured if the
    /// condition does not hold within a generous bound (two minutes), so a missing signal is a red test, never a hang.
    /// </summary>
    public async Task WaitForAsync(Func<bool> condition, string what, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(WaitLimit);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (condition())
            {
                return;
            }

            try
            {
                await changed.WaitAsync(limit.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Assert.Fail($"Telemetry never showed {what} within {WaitLimit.TotalMinutes} minutes. Server spans captured: "
                    + string.Join(", ", Spans.Where(s => s.Kind == ActivityKind.Server).Select(s => $"{s.Name} [{s.Tags.GetValueOrDefault("obscura.role")}]"))
                    + "; request durations: "
                    + string.Join(", ", Of("http.server.request.duration").Select(m => $"{m.Tags.GetValueOrDefault("http.route")} [{m.Tags.GetValueOrDefault("obscura.role")}]")));
            }
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Changed()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.SetResult();
    }

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct, IConvertible
    {
        var copy = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = Convert.ToString(tag.Value, CultureInfo.InvariantCulture);
        }

        Measurements.Enqueue(new Measurement(instrument.Name, value.ToDouble(CultureInfo.InvariantCulture), copy));
        Changed();
    }

    private sealed class SpanRecorder(TelemetryCapture capture) : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data)
        {
            var tags = data.TagObjects.ToDictionary(t => t.Key, t => Convert.ToString(t.Value, CultureInfo.InvariantCulture), StringComparer.Ordinal);
            var events = data.Events.SelectMany(e => e.Tags.Select(t => $"{t.Key}={Convert.ToString(t.Value, CultureInfo.InvariantCulture)}").Prepend(e.Name)).ToList();
            capture.Spans.Enqueue(new Span(data.DisplayName, data.Kind, data.TraceId.ToHexString(), tags, events));
            capture.Changed();
        }
    }
}
