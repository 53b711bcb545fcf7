using System.Security.Cryptography;
using Obscura.Governance.Purposes;
using Obscura.Governance.Storage;
using Obscura.Governance.Subjects;

namespace Obscura.Governance.Ledger;

/// <summary>
/// Cheap checks, inside one transaction, that the rows a decision rests on are the rows the ledger committed, and that
/// the committing entries are in the tree a genuine head signed: indexed lookups and an inclusion proof per entry not
/// proven before, not a full verification. They stop a row written outside Obscura from taking effect, and a row
/// rewritten together with its committing entry too; only
/// <see cref="AuditLedger.VerifyAsync(ILedgerSession, LedgerVerificationKey, IProgress{long}, CancellationToken)"/>
/// also finds entries deleted (with their rows) outside Obscura.
/// </summary>
internal static class RecordCheck
{
    /// <summary>
    /// Whether every key names a stored row whose content matches the latest ledger entry that commits it, and each of
    /// those entries is in the tree that the latest head signed by <paramref name="ledger"/>'s key covers.
    /// </summary>
    public static async Task<bool> AllCommittedAsync(ILedgerSession session, AuditLedger ledger, string table, IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return true;
        }

        var rows = await session.FindRecordsAsync(table, keys, cancellationToken).ConfigureAwait(false);
        var latest = await session.GetLatestCommitmentsAsync(table, keys, cancellationToken).ConfigureAwait(false);
        return keys.All(k => rows.TryGetValue(k, out var hash)
                && latest.TryGetValue(k, out var entry)
                && CryptographicOperations.FixedTimeEquals(entry.Event.Commitment!.ContentHash, hash))
            && await ledger.AreInSignedTreeAsync(session, [.. keys.Select(k => latest[k])], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether the <paramref name="readCount"/> rows a decision read for one scope (a subject's and purpose's history,
    /// or a purpose's with <paramref name="subject"/> null) are exactly the rows the ledger committed for it, each as
    /// committed: every committed row is found by its key and matches, so it is among the rows read, and there are no
    /// others. Counting, rather than checking the keys the decision read, also refuses a row that reads back under a
    /// committed row's key without being that row (the same id stored as a blob, or a copy in a rebuilt table).
    /// </summary>
    /// <param name="session">The decision's transaction.</param>
    /// <param name="ledger">The ledger whose key signs the heads the entries must be under.</param>
    /// <param name="table">The history table.</param>
    /// <param name="subject">The subject of the scope, or null for every subject.</param>
    /// <param name="purpose">The purpose of the scope.</param>
    /// <param name="readCount">How many rows the decision read for the scope.</param>
    /// <param name="inScope">Narrows the entries to the scope where subject and purpose do not (a budget's dataset); null for all.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    public static async Task<bool> ExactlyCommittedAsync(ILedgerSession session, AuditLedger ledger, string table, SubjectId? subject, PurposeId purpose, int readCount, Func<AuditEvent, bool>? inScope, CancellationToken cancellationToken)
    {
        var committed = (await session.GetCommitmentsAsync(table, subject, purpose, cancellationToken).ConfigureAwait(false))
            .Where(e => inScope is null || inScope(e.Event))
            .Select(e => e.Event.Commitment!.Key)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return committed.Count == readCount && await AllCommittedAsync(session, ledger, table, committed, cancellationToken).ConfigureAwait(false);
    }
}
