namespace Obscura.Biometrics.Decisions;

/// <summary>
/// Something the key holder recorded about decisions: a refusal (<c>refused-…</c>) or a probing flag
/// (<c>flag-many-decisions-on-reference</c>, <c>flag-margins-near-threshold</c>). Never a margin, score or decision.
/// </summary>
/// <param name="At">When.</param>
/// <param name="Kind">What, as a token.</param>
/// <param name="SubjectId">The subject concerned, when known.</param>
/// <param name="EnrolmentId">The enrolment concerned, when known.</param>
/// <param name="Caller">The role or service that asked (the capture service behind the ticket, or the caller of decide).</param>
/// <param name="Detail">A sentence for the operator.</param>
public sealed record DecisionEvent(DateTimeOffset At, string Kind, string? SubjectId, string? EnrolmentId, string Caller, string Detail)
{
    /// <summary>The kind of a refusal event.</summary>
    public static string RefusalKind(DecisionRefusal reason) => "refused-" + reason switch
    {
        DecisionRefusal.BadAttestation => "bad-attestation",
        DecisionRefusal.UnknownTicket => "unknown-ticket",
        DecisionRefusal.TicketReplayed => "ticket-replayed",
        DecisionRefusal.TicketExpired => "ticket-expired",
        DecisionRefusal.BindingMismatch => "binding-mismatch",
        DecisionRefusal.BrokenSeal => "broken-seal",
        DecisionRefusal.Malformed => "malformed",
        DecisionRefusal.SubjectRateLimited => "subject-rate-limited",
        DecisionRefusal.CallerRateLimited => "caller-rate-limited",
        DecisionRefusal.OpenTicketsLimited => "open-tickets-limited",
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };

    /// <summary>Flag: many decisions on one enrolment within the window.</summary>
    public const string ManyDecisionsFlag = "flag-many-decisions-on-reference";

    /// <summary>Whether this is a probing flag (rather than a refusal).</summary>
    public bool IsFlag => Kind.StartsWith("flag-", StringComparison.Ordinal);
}
