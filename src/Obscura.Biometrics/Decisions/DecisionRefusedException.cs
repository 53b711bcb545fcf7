namespace Obscura.Biometrics.Decisions;

/// <summary>The key holder refused to decide (see <see cref="DecisionRefusal"/>); the refusal was recorded.</summary>
public sealed class DecisionRefusedException(DecisionRefusal reason, string message) : Exception(message)
{
    /// <summary>Why.</summary>
    public DecisionRefusal Reason { get; } = reason;

    /// <summary>Whether the refusal is a rate limit (try later) rather than a request that can never be decided.</summary>
    public bool IsRateLimit => Reason is DecisionRefusal.SubjectRateLimited or DecisionRefusal.CallerRateLimited or DecisionRefusal.OpenTicketsLimited;
}
