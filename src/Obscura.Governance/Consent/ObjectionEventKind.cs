namespace Obscura.Governance.Consent;

/// <summary>What an objection event records.</summary>
public enum ObjectionEventKind
{
    /// <summary>The subject objected to the processing (GDPR Art. 21); processing stops immediately.</summary>
    Objected = 1,

    /// <summary>The subject withdrew the objection.</summary>
    Lifted,
}
