namespace Obscura.Server.Jobs;

/// <summary>A stored job.</summary>
/// <param name="Id">Its id, <c>job_</c> and 32 hex digits.</param>
/// <param name="Kind">What it runs.</param>
/// <param name="State">Where it is.</param>
/// <param name="Requester">The ledger actor that started it.</param>
/// <param name="Request">The validated request as JSON (every option filled in).</param>
/// <param name="Progress">The fraction done, 0 to 1.</param>
/// <param name="CreatedAt">When it was queued.</param>
/// <param name="StartedAt">When its latest attempt started.</param>
/// <param name="FinishedAt">When it reached a final state.</param>
/// <param name="Result">The result JSON once succeeded.</param>
/// <param name="Error">Why it failed (no secrets, no stack).</param>
/// <param name="Attempt">How many times it was claimed.</param>
/// <param name="LeaseOwner">The worker of its latest claim.</param>
/// <param name="LeaseExpiresAt">When the latest claim's lease lapses.</param>
/// <param name="CancelRequested">Whether a controller asked to cancel it while it ran.</param>
public sealed record JobRecord(
    string Id,
    JobKind Kind,
    JobState State,
    string Requester,
    string Request,
    double Progress,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Result,
    string? Error,
    int Attempt,
    string? LeaseOwner,
    DateTimeOffset? LeaseExpiresAt,
    bool CancelRequested);
