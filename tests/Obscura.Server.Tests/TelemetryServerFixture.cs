using Microsoft.AspNetCore.Hosting;
using OpenTelemetry.Trace;

namespace Obscura.Server.Tests;

/// <summary>The real server with a <see cref="TelemetryCapture"/> on its meters and spans.</summary>
public class TelemetryServerFixture : ServerFixture
{
    public TelemetryCapture Capture { get; } = new();

    protected override void Configure(IWebHostBuilder builder)
    {
        // The instrumentation writes query values as 'Redacted' by default, but an operator may switch that off: the
        // tests switch it off so that the span attribute allowlist alone must keep the query string out.
        builder.UseSetting("OTEL_DOTNET_EXPERIMENTAL_ASPNETCORE_DISABLE_URL_QUERY_REDACTION", "true");
        builder.ConfigureServices(s => s.ConfigureOpenTelemetryTracerProvider(t => t.AddProcessor(Capture.SpanProcessor)));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Capture.Dispose();
        }
    }
}
