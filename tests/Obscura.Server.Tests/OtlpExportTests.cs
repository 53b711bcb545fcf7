using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Governance.Access;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Obscura.Server.Tests;

/// <summary>
/// OTLP export as it leaves the process: the server is pointed at a collector stand-in (a Kestrel endpoint that keeps
/// every OTLP/HTTP body it is sent), the providers are flushed (no export interval to wait for), and the protobuf
/// bodies are searched for what must and must not be on the wire.
/// </summary>
[Collection(nameof(TelemetryTests))]
public sealed class OtlpExportTests(OtlpExportTests.CollectorServerFixture server) : IClassFixture<OtlpExportTests.CollectorServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_an_otlp_endpoint_traces_and_metrics_reach_the_collector_with_roles_and_route_templates_and_no_subject_id()
    {
        const string Subject = "zq8-otlp-subject-41c7";
        using var controller = server.As(Role.Controller);
        controller.DefaultRequestHeaders.UserAgent.ParseAdd($"probe/{Subject}");
        await controller.PostAsync("/v1/purposes", Json.Of(Obscura.TestSupport.SamplePurposes.IdentityVerification), Ct);
        Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/subjects", Json.Raw($$"""{"id":"{{Subject}}"}"""), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync($"/v1/subjects/{Subject}/consents?note={Subject}", Json.Raw("""{"purpose":"identity-verification","noticeVersion":"n1","explicit":true,"channel":"app"}"""), Ct)).StatusCode);

        // The request's span ends when the host disposes its context, just after the response: wait for it, then flush.
        await server.Capture.WaitForAsync(() => server.Capture.Spans.Any(s => s.Tags.GetValueOrDefault("http.route") == "/v1/subjects/{subjectId}/consents"), "the consent request's span", Ct);
        Assert.True(server.Services.GetRequiredService<TracerProvider>().ForceFlush());
        Assert.True(server.Services.GetRequiredService<MeterProvider>().ForceFlush());

        var traces = server.Received("/v1/traces");
        var metrics = server.Received("/v1/metrics");
        Assert.Contains("/v1/subjects/{subjectId}/consents", traces, StringComparison.Ordinal);
        Assert.Contains("obscura.role", traces, StringComparison.Ordinal);
        Assert.Contains("Controller", traces, StringComparison.Ordinal);
        Assert.Contains("http.server.request.duration", metrics, StringComparison.Ordinal);
        Assert.Contains("obscura.ledger.appends", metrics, StringComparison.Ordinal);
        Assert.Contains(ObscuraTelemetryServiceName, traces, StringComparison.Ordinal);
        Assert.DoesNotContain(Subject, traces, StringComparison.Ordinal);
        Assert.DoesNotContain(Subject, metrics, StringComparison.Ordinal);
        Assert.DoesNotContain(server.KeyOf(Role.Controller), traces + metrics, StringComparison.Ordinal);
    }

    private const string ObscuraTelemetryServiceName = Telemetry.ObscuraTelemetry.ServiceName;

    /// <summary>The real server exporting by OTLP/HTTP to a collector stand-in in this process.</summary>
    public sealed class CollectorServerFixture : TelemetryServerFixture
    {
        private readonly WebApplication _collector;
        private readonly ConcurrentQueue<(string Path, byte[] Body)> _received = new();

        public CollectorServerFixture()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            _collector = builder.Build();
            _collector.MapPost("/otlp/v1/{signal}", async (HttpRequest request, string signal) =>
            {
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body);
                _received.Enqueue(("/v1/" + signal, body.ToArray()));
                return Results.Ok();
            });
            _collector.StartAsync().GetAwaiter().GetResult();
            CollectorUrl = _collector.Urls.Single() + "/otlp";
        }

        public string CollectorUrl { get; }

        /// <summary>Every body received for <paramref name="path"/>, as text (protobuf keeps strings as UTF-8).</summary>
        public string Received(string path) =>
            string.Join("\n", _received.Where(r => r.Path == path).Select(r => Encoding.UTF8.GetString(r.Body)));

        protected override void Configure(IWebHostBuilder builder)
        {
            base.Configure(builder);
            builder.UseSetting("Obscura:Telemetry:OtlpEndpoint", CollectorUrl);
            builder.UseSetting("Obscura:Telemetry:OtlpProtocol", "http/protobuf");
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                _collector.StopAsync().GetAwaiter().GetResult();
                ((IDisposable)_collector).Dispose();
            }
        }
    }
}
