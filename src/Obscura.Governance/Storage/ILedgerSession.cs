using Obscura.Governance.Ledger;
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

    /// <summary>The most recent signed tree head, or <see langword="null"/> for an empty ledger.</summary>
    Task<SignedTreeHead?> GetLatestTreeHeadAsync(CancellationToken cancellationToken);

    /// <summary>Signed tree heads in increasing size from <paramref name="fromSize"/>.</summary>
    Task<IReadOnlyList<SignedTreeHead>> GetTreeHeadsAsync(long fromSize, int maxCount, CancellationToken cancellationToken);
}
