namespace Obscura.Governance.Ledger;

/// <summary>What happened to personal data. Values are part of the ledger's hashed encoding and must never change.</summary>
public enum AuditAction : byte
{
    /// <summary>Personal data was created or collected.</summary>
    Create = 1,

    /// <summary>Personal data was read.</summary>
    Read = 2,

    /// <summary>Personal data was changed in place.</summary>
    Update = 3,

    /// <summary>A copy of personal data was made.</summary>
    Copy = 4,

    /// <summary>Personal data was moved from one place to another.</summary>
    Move = 5,

    /// <summary>Personal data left the system (for example a training export).</summary>
    Export = 6,

    /// <summary>Personal data was deleted or crypto-shredded.</summary>
    Delete = 7,
}
