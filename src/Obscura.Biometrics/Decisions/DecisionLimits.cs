namespace Obscura.Biometrics.Decisions;

/// <summary>
/// The key holder's limits on decisions, and its probing monitor. Every decision on a crafted probe reveals at most
/// one bit (on which side of the threshold a chosen linear function of the template falls), so the limits bound how
/// fast a malicious capture service can learn a template, and the monitor flags the patterns such probing leaves.
/// </summary>
/// <param name="PerSubject">Decisions one subject may get within <paramref name="Window"/>.</param>
/// <param name="PerCaller">Decisions one capture service may get within <paramref name="Window"/>.</param>
/// <param name="Window">The sliding window both rate limits count over.</param>
/// <param name="TicketLifetime">How long a decision ticket stays valid.</param>
/// <param name="ManyDecisionsPerReference">Decisions on one enrolment within <paramref name="Window"/> that raise a flag.</param>
/// <param name="OpenTicketsPerCaller">Unused, unexpired tickets one capture service may hold; a request for one more is refused (each ticket is a row kept for a day, so unbounded requests would fill the key holder's disk).</param>
public sealed record DecisionLimits(
    int PerSubject = 20,
    int PerCaller = 2000,
    TimeSpan? Window = null,
    TimeSpan? TicketLifetime = null,
    int ManyDecisionsPerReference = 10,
    int OpenTicketsPerCaller = 1000)
{
    /// <summary>The window, one hour unless set.</summary>
    public TimeSpan EffectiveWindow => Window ?? TimeSpan.FromHours(1);

    /// <summary>The ticket lifetime, two minutes unless set.</summary>
    public TimeSpan EffectiveTicketLifetime => TicketLifetime ?? TimeSpan.FromMinutes(2);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a limit that is not positive.</summary>
    public DecisionLimits Validated()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PerSubject);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PerCaller);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ManyDecisionsPerReference);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(OpenTicketsPerCaller);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(EffectiveWindow, TimeSpan.Zero, nameof(Window));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(EffectiveTicketLifetime, TimeSpan.Zero, nameof(TicketLifetime));
        return this;
    }
}
