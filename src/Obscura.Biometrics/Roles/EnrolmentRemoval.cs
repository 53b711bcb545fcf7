namespace Obscura.Biometrics.Roles;

/// <summary>Why a subject's enrolment is removed (transformation key destroyed, template deleted); recorded in the ledger.</summary>
public enum EnrolmentRemoval
{
    /// <summary>The enrolment is revoked (renewal, a lost device, an operator's decision).</summary>
    Revocation,

    /// <summary>The subject withdrew consent or objected (Art. 7(3), Art. 21).</summary>
    Withdrawal,

    /// <summary>The subject asked for erasure (Art. 17).</summary>
    Erasure,
}
