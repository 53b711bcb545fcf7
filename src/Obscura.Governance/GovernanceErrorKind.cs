namespace Obscura.Governance;

/// <summary>Classes of governance outcome that stop an operation.</summary>
public enum GovernanceErrorKind
{
    /// <summary>The input is incomplete or inconsistent; <see cref="GovernanceError.Field"/> names the field.</summary>
    Invalid = 1,

    /// <summary>A subject, purpose or other referenced record does not exist.</summary>
    NotFound,

    /// <summary>The record already exists.</summary>
    Conflict,

    /// <summary>The law forbids it whatever the input; <see cref="GovernanceError.Citation"/> says why.</summary>
    Refused,

    /// <summary>The operation does not apply in the current state (for example withdrawing consent that was never given).</summary>
    NotApplicable,
}
