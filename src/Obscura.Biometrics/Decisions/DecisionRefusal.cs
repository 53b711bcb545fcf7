namespace Obscura.Biometrics.Decisions;

/// <summary>Why the key holder refused to decide. Every refusal is recorded in its state database.</summary>
public enum DecisionRefusal
{
    /// <summary>The result carries no valid signature of the pinned comparison role.</summary>
    BadAttestation,

    /// <summary>The ticket was never issued here (or its state was lost).</summary>
    UnknownTicket,

    /// <summary>The ticket was already used for a decision.</summary>
    TicketReplayed,

    /// <summary>The ticket expired before the decision was asked for.</summary>
    TicketExpired,

    /// <summary>The ticket was issued for another subject, enrolment or encryption key than the attested comparison names.</summary>
    BindingMismatch,

    /// <summary>The attested reference's seal does not verify with the provider's sealing key.</summary>
    BrokenSeal,

    /// <summary>The result is not a comparison result of the scheme (wrong format, level or scale).</summary>
    Malformed,

    /// <summary>The subject reached its decision rate limit.</summary>
    SubjectRateLimited,

    /// <summary>The capture service that asked for the ticket reached its decision rate limit.</summary>
    CallerRateLimited,

    /// <summary>The capture service asked for a ticket while holding as many unused, unexpired tickets as it may.</summary>
    OpenTicketsLimited,
}
