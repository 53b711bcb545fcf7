using Microsoft.AspNetCore.Hosting;
using OpenTelemetry.Trace;

namespace Obscura.Server.Tests;

/// <summary>The real server with a <see cref="TelemetryCapture"/> on its meters and spans.</summary>
public sealed class TelemetryServerFixture : ServerFixture
{
    public TelemetryCapture Capture { get; } = new();

    protected override void Configure(IWebHostBuilder builder) =>
        builder.ConfigureServices(s => s.ConfigureOpenTelemetryTracerProvider(t => t.AddProcessor(Capture.SpanProcessor)));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Capture.Dispose();
        }
    }
}
