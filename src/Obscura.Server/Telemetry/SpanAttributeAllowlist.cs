using System.Diagnostics;
using OpenTelemetry;

namespace Obscura.Server.Telemetry;

/// <summary>
/// Removes from every finished span each attribute not on a fixed list, before any exporter sees it. The raw path
/// (<c>/v1/subjects/alice/consents</c>), the query string (<c>?subject=…&amp;purpose=…</c>), the user agent and the
/// client address name a person or a request; the route template (<c>/v1/subjects/{subjectId}/consents</c>) does not.
/// An allowlist rather than a denylist: an attribute some future instrumentation adds is dropped until reviewed.
/// </summary>
internal sealed class SpanAttributeAllowlist : BaseProcessor<Activity>
{
    /// <summary>The attributes a span may keep.</summary>
    public static readonly IReadOnlySet<string> Allowed = new HashSet<string>(StringComparer.Ordinal)
    {
        "http.request.method",
        "http.request.method_original",
        "http.response.status_code",
        "http.route",
        "url.scheme",
        "server.address",
        "server.port",
        "network.protocol.version",
        "error.type",
        "otel.status_code",
        "otel.status_description",
        ObscuraTelemetry.RoleTag,
        Obscura.Biometrics.Telemetry.VerificationInstruments.OutcomeTag,
        Obscura.Biometrics.Telemetry.VerificationInstruments.RefusalTag,
    };

    /// <inheritdoc/>
    public override void OnEnd(Activity data)
    {
        List<string>? dropped = null;
        foreach (var tag in data.TagObjects)
        {
            if (!Allowed.Contains(tag.Key))
            {
                (dropped ??= []).Add(tag.Key);
            }
        }

        foreach (var key in dropped ?? [])
        {
            data.SetTag(key, null);
        }
    }
}
