using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Governance.Storage;

/// <summary>
/// The audit ledger's view of one store transaction. Entries, perfect-subtree hashes and signed tree heads are only
/// ever appended, and always together, by <see cref="AuditLedger"/>.
/// </summary>
public interface ILedgerSession
{
    /// <summary>Number of entries.</summary>
    Task<long> GetLedgerSizeAsync(CancellationToken cancellationToken);

    /// <summary>The stored hashes of the given perfect subtrees; a missing one is absent from the result.</summary>
    Task<IReadOnlyDictionary<NodeCoordinate, byte[]>> GetLedgerNodesAsync(IReadOnlyCollection<NodeCoordinate> nodes, CancellationToken cancellationToken);

    /// <summary>Stored subtree hashes of one level in index order, starting at <paramref name="fromIndex"/>.</summary>
    Task<IReadOnlyList<byte[]>> GetLedgerLevelAsync(int level, long fromIndex, int maxCount, CancellationToken cancellationToken);

    /// <summary>Writes entries, the subtree hashes they complete and the new signed head. Only valid in a write transaction.</summary>
    Task AppendLedgerAsync(IReadOnlyList<AuditEntry> entries, IReadOnlyList<KeyValuePair<NodeCoordinate, byte[]>> nodes, SignedTreeHead head, CancellationToken cancellationToken);

    /// <summary>Entries in sequence order starting at <paramref name="fromSequence"/>.</summary>
    Task<IReadOnlyList<AuditEntry>> GetLedgerEntriesAsync(long fromSequence, int maxCount, CancellationToken cancellationToken);

    /// <summary>The subject index: entries about <paramref name="subject"/> in sequence order from <paramref name="fromSequence"/>.</summary>
    Task<IReadOnlyList<AuditEntry>> GetLedgerEntriesForSubjectAsync(SubjectId subject, long fromSequence, int maxCount, CancellationToken cancellationToken);

    /// <summary>
    /// Entries whose destination (<see cref="Ledger.AuditEvent.To"/>) is exactly <paramref name="destination"/>, newest first, at
    /// most <paramref name="maxCount"/>. Unindexed: for occasional look-ups such as a registered report's entry.
    /// </summary>
    Task<IReadOnlyList<AuditEntry>> GetLedgerEntriesToAsync(string destination, int maxCount, CancellationToken cancellationToken);

    /// <summary>The most recent signed tree head, or <see langword="null"/> for an empty ledger.</summary>
    Task<SignedTreeHead?> GetLatestTreeHeadAsync(CancellationToken cancellationToken);

    /// <summary>Signed tree heads in increasing size from <paramref name="fromSize"/>.</summary>
    Task<IReadOnlyList<SignedTreeHead>> GetTreeHeadsAsync(long fromSize, int maxCount, CancellationToken cancellationToken);

    /// <summary>Rows of a committed table (see <see cref="RecordTables.RowByRow"/>) in the store's key order after <paramref name="afterKey"/>, with the hash of their current content.</summary>
    Task<IReadOnlyList<StoredRecord>> GetRecordsAsync(string table, string? afterKey, int maxCount, CancellationToken cancellationToken);

    /// <summary>The current content hash of each row of <paramref name="table"/> with one of <paramref name="keys"/>; a row that does not exist is absent.</summary>
    Task<IReadOnlyDictionary<string, byte[]>> FindRecordsAsync(string table, IReadOnlyCollection<string> keys, CancellationToken cancellationToken);

    /// <summary>For each of <paramref name="keys"/>, the latest ledger entry that commits that row of <paramref name="table"/>; a row no entry commits is absent.</summary>
    Task<IReadOnlyDictionary<string, AuditEntry>> GetLatestCommitmentsAsync(string table, IReadOnlyCollection<string> keys, CancellationToken cancellationToken);

    /// <summary>The ledger entries that commit rows of <paramref name="table"/> about <paramref name="subject"/> (any or none when null) and <paramref name="purpose"/>, in sequence order.</summary>
    Task<IReadOnlyList<AuditEntry>> GetCommitmentsAsync(string table, SubjectId? subject, PurposeId purpose, CancellationToken cancellationToken);

    /// <summary>The latest ledger entry that commits anything in <paramref name="table"/>, or <see langword="null"/>.</summary>
    Task<AuditEntry?> GetLatestCommitmentAsync(string table, CancellationToken cancellationToken);

    /// <summary>Appends a read to the access log and returns its sequence number. Only valid in a write transaction.</summary>
    Task<long> AppendAccessAsync(DateTimeOffset recordedAt, AuditEvent access, CancellationToken cancellationToken);

    /// <summary>Access-log rows after <paramref name="afterSequence"/>: how many, the oldest one's time and the last sequence number.</summary>
    Task<(long Count, DateTimeOffset? Oldest, long Last)> GetPendingAccessAsync(long afterSequence, CancellationToken cancellationToken);

    /// <summary>Sequence numbers and content hashes of access-log rows in <c>[fromSequence, toSequence]</c>, in order.</summary>
    Task<IReadOnlyList<KeyValuePair<long, byte[]>>> GetAccessLogHashesAsync(long fromSequence, long toSequence, int maxCount, CancellationToken cancellationToken);

    /// <summary>The lowest sequence number in the access log, or <see langword="null"/> when it is empty.</summary>
    Task<long?> GetFirstAccessSequenceAsync(CancellationToken cancellationToken);

    /// <summary>Access-log rows about <paramref name="subject"/> from <paramref name="fromSequence"/>, in order.</summary>
    Task<IReadOnlyList<AccessLogEntry>> GetAccessLogForSubjectAsync(SubjectId subject, long fromSequence, int maxCount, CancellationToken cancellationToken);
}
