using System.Diagnostics;
using System.Diagnostics.Metrics;
using Obscura.Biometrics.Roles;

namespace Obscura.Biometrics.Telemetry;

/// <summary>
/// Protected verification's metrics and trace spans (System.Diagnostics; any listener, OpenTelemetry included, may
/// collect them). The only tags are the outcome and the refusal reason, both from fixed sets: never a subject, an
/// enrolment, a key id, a score or a template value.
/// </summary>
public static class VerificationInstruments
{
    /// <summary>The meter's and the activity source's name: <c>Obscura.Biometrics</c>.</summary>
    public const string SourceName = "Obscura.Biometrics";

    /// <summary>Tag with the decision's outcome: <c>match</c>, <c>no-match</c>, <c>refused</c> or <c>failed</c> (a role failed or the decision state is damaged: nothing decided).</summary>
    public const string OutcomeTag = "obscura.outcome";

    /// <summary>Tag with a refusal's reason: <c>no-consent</c>, <c>not-enrolled</c>, <c>rate-limited</c>, <c>key-revoked</c> or <c>broken-seal</c>.</summary>
    public const string RefusalTag = "obscura.refusal";

    /// <summary>The span name of one verification.</summary>
    public const string VerificationSpan = "obscura.verification";

    internal static readonly ActivitySource Source = new(SourceName);

    private static readonly Meter Meter = new(SourceName);

    /// <summary><c>obscura.verification.decisions</c>: verification requests by outcome.</summary>
    private static readonly Counter<long> Decisions = Meter.CreateCounter<long>("obscura.verification.decisions", "{decision}", "Protected-verification requests by outcome (match, no-match, refused with the reason, failed).");

    /// <summary>Counts one verification and tags its span.</summary>
    internal static void Record(Activity? activity, VerificationResult? result)
    {
        var outcome = result switch
        {
            null => "failed",
            { Refusal: not null } => "refused",
            { Match: true } => "match",
            _ => "no-match",
        };
        var refusal = result?.Refusal switch
        {
            VerificationRefusal.NoConsent => "no-consent",
            VerificationRefusal.NotEnrolled => "not-enrolled",
            VerificationRefusal.RateLimited => "rate-limited",
            VerificationRefusal.KeyRevoked => "key-revoked",
            VerificationRefusal.BrokenSeal => "broken-seal",
            _ => null,
        };
        var tags = new TagList { { OutcomeTag, outcome } };
        if (refusal is not null)
        {
            tags.Add(RefusalTag, refusal);
        }

        Decisions.Add(1, tags);
        activity?.SetTag(OutcomeTag, outcome);
        activity?.SetTag(RefusalTag, refusal);
    }
}
