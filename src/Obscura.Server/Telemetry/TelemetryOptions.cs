namespace Obscura.Server.Telemetry;

/// <summary>Telemetry settings, section <c>Obscura:Telemetry</c>. Nothing leaves the process unless an OTLP endpoint is set.</summary>
public sealed class TelemetryOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Obscura:Telemetry";

    /// <summary>
    /// The OTLP collector's base address (for example <c>http://collector:4317</c>); metrics and traces are exported
    /// there. When empty, the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is used if set; otherwise nothing is exported.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>The OTLP protocol with <see cref="OtlpEndpoint"/>: <c>grpc</c> (the default) or <c>http/protobuf</c>.</summary>
    public string OtlpProtocol { get; set; } = "grpc";
}
