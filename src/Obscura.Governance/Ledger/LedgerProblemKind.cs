namespace Obscura.Governance.Ledger;

/// <summary>What ledger verification found wrong.</summary>
public enum LedgerProblemKind
{
    /// <summary>Sequence numbers have a gap: entries were removed.</summary>
    EntryMissing = 1,

    /// <summary>A signed head's root does not match the stored entries: entries in its range were modified, reordered or removed.</summary>
    EntriesDoNotMatchSignedHead,

    /// <summary>Entries exist beyond the latest signed head.</summary>
    EntriesNotCoveredBySignedHead,

    /// <summary>The latest signed head covers more entries than are stored: entries were removed from the end.</summary>
    EntriesTruncated,

    /// <summary>A signed head's signature does not verify, or it names an unknown key.</summary>
    SignatureInvalid,

    /// <summary>A stored subtree hash does not match the entries; proofs served from it would be wrong.</summary>
    SubtreeHashMismatch,

    /// <summary>Entries exist but no signed head does.</summary>
    NoSignedHead,
}
