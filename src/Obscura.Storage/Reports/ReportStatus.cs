namespace Obscura.Storage.Reports;

/// <summary>What checking a stored report against the audit ledger found.</summary>
public enum ReportStatus
{
    /// <summary>The file's SHA-256 is the one a ledger entry for the name holds, and that entry is in the signed ledger.</summary>
    Verified = 1,

    /// <summary>No report of that name is stored.</summary>
    NotFound,

    /// <summary>A file is stored under the name, but no ledger entry registers a report of that name: it was put there outside Obscura.</summary>
    NotRegistered,

    /// <summary>The file's SHA-256 differs from every one the ledger holds for the name: it was changed after registration.</summary>
    Altered,

    /// <summary>The ledger entry that registers the name is not in the signed ledger (no valid inclusion proof under a validly signed head).</summary>
    LedgerUnverified,
}
