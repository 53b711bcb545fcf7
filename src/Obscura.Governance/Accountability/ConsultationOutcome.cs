namespace Obscura.Governance.Accountability;

/// <summary>Where a prior consultation (Art. 36) stands.</summary>
public enum ConsultationOutcome
{
    /// <summary>Submitted; the authority has not answered.</summary>
    Pending = 1,

    /// <summary>The authority raised no objection.</summary>
    NoObjection,

    /// <summary>The authority gave written advice or conditions (Art. 36(2)) that the controller follows.</summary>
    Conditions,

    /// <summary>The authority found the processing would infringe the Regulation; it must not start.</summary>
    Refused,
}
