using Obscura.Biometrics.Decisions;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Roles;

/// <summary>How a key holder is opened.</summary>
/// <param name="ComparisonKey">The comparison role's attestation public key (SubjectPublicKeyInfo), pinned: only results it signed are decided.</param>
public sealed record KeyHolderOptions(byte[] ComparisonKey)
{
    /// <summary>The provider the keys are for, when they are created.</summary>
    public string ProviderId { get; init; } = "embedded";

    /// <summary>How a new encryption key's flooding policy is calibrated (at the key's creation).</summary>
    public NoiseFloodingPolicyChoice Flooding { get; init; } = new();

    /// <summary>Rate limits and the probing monitor.</summary>
    public DecisionLimits Limits { get; init; } = new();

    /// <summary>The clock for tickets, rate limits and the monitor.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// Replaces the calibration of a new key's flooding policy (<see cref="DecisionKeyHolder.Calibrate"/> with
    /// <see cref="Flooding"/>): for tests that count calibrations or do not depend on the measured bound.
    /// </summary>
    public Func<CkksSecretKey, NoiseFloodingPolicy>? Calibrate { get; init; }

    /// <summary>Called after each refusal and probing flag is recorded in the key holder's state (for the audit ledger or a log).</summary>
    public Func<DecisionEvent, CancellationToken, Task>? OnEvent { get; init; }
}
