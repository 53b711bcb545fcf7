using Obscura.Server.Security;

namespace Obscura.Server.Telemetry;

/// <summary><c>GET /v1/metrics</c>: the metrics collected in this process, without a collector (controller and auditor).</summary>
internal static class TelemetryEndpoints
{
    public static IEndpointRouteBuilder MapTelemetry(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/metrics", (InProcessMetrics metrics) => TypedResults.Ok(metrics.Read()))
            .RequireAuthorization(Policies.ControllerOrAuditor)
            .WithTags("Observability")
            .WithSummary("Every instrument collected in this process since it started (request latency by route and role, verification decisions, ε charged, ledger appends, vault bytes), cumulative.")
            .WithDescription("Controller and auditor keys only: processor and subject keys get 403. No tag names a subject, a key, an object or a request's path or query; see docs/observability.md.");
        return app;
    }
}
