using Obscura.Biometrics.Decisions;

namespace Obscura.Biometrics.Roles;

/// <summary>How a key holder is opened.</summary>
/// <param name="ComparisonKey">The comparison role's attestation public key (SubjectPublicKeyInfo), pinned: only results it signed are decided.</param>
public sealed record KeyHolderOptions(byte[] ComparisonKey)
{
    /// <summary>The provider the keys are for, when they are created.</summary>
    public string ProviderId { get; init; } = "embedded";

    /// <summary>Rate limits and the probing monitor.</summary>
    public DecisionLimits Limits { get; init; } = new();

    /// <summary>The clock for tickets, rate limits and the monitor.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Called after each refusal and probing flag is recorded in the key holder's state (for the audit ledger or a log).</summary>
    public Func<DecisionEvent, CancellationToken, Task>? OnEvent { get; init; }
}
