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

    /// <summary>A row of a committed table that no ledger entry commits: inserted outside Obscura.</summary>
    RecordNotInLedger,

    /// <summary>A row whose content differs from what its latest ledger entry committed: changed or reordered outside Obscura.</summary>
    RecordDoesNotMatchLedger,

    /// <summary>A ledger entry commits a row that is no longer stored: deleted outside Obscura.</summary>
    CommittedRecordMissing,

    /// <summary>Committed access-log rows differ from their batch's hash, or batches overlap or leave a gap.</summary>
    AccessLogDoesNotMatchLedger,

    /// <summary>A witnessed signed head (saved earlier or held by a witness) is not signed by the trusted key.</summary>
    WitnessedHeadNotAuthentic,

    /// <summary>The ledger holds fewer entries than a witnessed head covers: it was cut back.</summary>
    CutBackBelowWitnessedHead,

    /// <summary>The ledger's first entries no longer match a witnessed head: its history was rewritten (a fork).</summary>
    ForkedFromWitnessedHead,
}
