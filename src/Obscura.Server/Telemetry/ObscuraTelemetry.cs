using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using Obscura.Biometrics.Telemetry;
using Obscura.Governance.Telemetry;
using Obscura.Vault.Telemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Obscura.Server.Telemetry;

/// <summary>
/// OpenTelemetry for the server: ASP.NET Core request metrics and spans tagged with the caller's role, the domain
/// libraries' meters and activity sources, an in-process reader for <c>GET /v1/metrics</c>, and OTLP export of
/// metrics and traces when an endpoint is configured (off by default). Logs are never exported.
/// </summary>
public static class ObscuraTelemetry
{
    /// <summary>The service name in exported resources.</summary>
    public const string ServiceName = "obscura";

    /// <summary>Tag with the caller's role on request metrics and spans: <c>Controller</c>, <c>Processor</c>, <c>Auditor</c>, <c>Subject</c> or <c>anonymous</c>.</summary>
    public const string RoleTag = "obscura.role";

    /// <summary>The domain meters and activity sources collected.</summary>
    internal static readonly string[] DomainSources = [GovernanceInstruments.MeterName, VerificationInstruments.SourceName, VaultInstruments.MeterName];

    /// <summary>Registers the meter and tracer providers and, when configured, the OTLP exporters.</summary>
    public static WebApplicationBuilder AddObscuraTelemetry(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var endpoint = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? null : new Uri(options.OtlpEndpoint, UriKind.Absolute);
        var protocol = options.OtlpProtocol switch
        {
            "grpc" => OtlpExportProtocol.Grpc,
            "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            _ => throw new InvalidOperationException($"{TelemetryOptions.Section}:{nameof(TelemetryOptions.OtlpProtocol)} is 'grpc' or 'http/protobuf'."),
        };
        var fromEnvironment = endpoint is null && !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

        // Per-signal exporters, not UseOtlpExporter: that one would export logs too, and log lines are not reviewed for tags.
        void Otlp(OtlpExporterOptions o, string signal)
        {
            if (endpoint is not null)
            {
                o.Protocol = protocol;
                o.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf ? new Uri(endpoint, endpoint.AbsolutePath.TrimEnd('/') + "/v1/" + signal) : endpoint;
            }
        }

        builder.Services.AddSingleton<InProcessMetrics>();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName))
            .WithMetrics(m =>
            {
                m.AddMeter(DomainSources).AddAspNetCoreInstrumentation().AddReader(sp => sp.GetRequiredService<InProcessMetrics>().Reader);
                if (endpoint is not null || fromEnvironment)
                {
                    m.AddOtlpExporter(o => Otlp(o, "metrics"));
                }
            })
            .WithTracing(t =>
            {
                t.AddSource(DomainSources).AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path));
                t.AddProcessor(new SpanAttributeAllowlist());
                if (endpoint is not null || fromEnvironment)
                {
                    t.AddOtlpExporter(o => Otlp(o, "traces"));
                }
            });
        return builder;
    }

    /// <summary>
    /// Builds the meter and tracer providers now rather than when the host starts, so that what happens before
    /// (the first key's ledger append in <see cref="Hosting.ObscuraServer.InitialiseAsync"/>) is counted too.
    /// </summary>
    public static void Start(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _ = services.GetService<MeterProvider>();
        _ = services.GetService<TracerProvider>();
    }

    /// <summary>
    /// Tags the request's metrics and span with the caller's role; call after authentication. The role comes from the
    /// authenticated key's record, a fixed set: never the key, its name or the subject it is bound to. It is read once
    /// the endpoint has run, because the console's pages are authenticated by their policy's own scheme (the session
    /// cookie) during authorization, after this middleware; both tags are read only when the request ends.
    /// </summary>
    public static IApplicationBuilder UseObscuraTelemetry(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context).ConfigureAwait(false);
            }
            finally
            {
                var role = RoleOf(context.User);
                context.Features.Get<IHttpMetricsTagsFeature>()?.Tags.Add(new(RoleTag, role));
                context.Features.Get<IHttpActivityFeature>()?.Activity.SetTag(RoleTag, role);
            }
        });

    /// <summary>Health and readiness probes: polled every few seconds by orchestrators, they are left out of traces.</summary>
    private static bool IsProbe(PathString path) => path.StartsWithSegments("/health", StringComparison.Ordinal);

    private static string RoleOf(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return "anonymous";
        }

        foreach (var role in Enum.GetNames<Obscura.Governance.Access.Role>())
        {
            if (user.IsInRole(role))
            {
                return role;
            }
        }

        return "unknown";
    }
}
