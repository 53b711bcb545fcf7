using System.Security.Cryptography;
using Obscura.Governance.Purposes;
using Obscura.Governance.Storage;
using Obscura.Governance.Subjects;

namespace Obscura.Governance.Ledger;

/// <summary>
/// Cheap checks, inside one transaction, that the rows a decision rests on are the rows the ledger committed: a few
/// indexed lookups, not a full verification. They stop a row written outside Obscura from taking effect; only
/// <see cref="AuditLedger.VerifyAsync(ILedgerSession, LedgerVerificationKey, IProgress{long}, CancellationToken)"/>
/// also proves the ledger entries themselves authentic.
/// </summary>
internal static class RecordCheck
{
    /// <summary>Whether every key names a stored row whose content matches the latest ledger entry that commits it.</summary>
    public static async Task<bool> AllCommittedAsync(ILedgerSession session, string table, IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return true;
        }

        var rows = await session.FindRecordsAsync(table, keys, cancellationToken).ConfigureAwait(false);
        var latest = await session.GetLatestCommitmentsAsync(table, keys, cancellationToken).ConfigureAwait(false);
        return keys.All(k => rows.TryGetValue(k, out var hash)
            && latest.TryGetValue(k, out var entry)
            && CryptographicOperations.FixedTimeEquals(entry.Event.Commitment!.ContentHash, hash));
    }

    /// <summary>Whether every row of <paramref name="table"/> the ledger committed for this subject and purpose is among <paramref name="storedKeys"/> (none was deleted).</summary>
    public static async Task<bool> NoneDeletedAsync(ILedgerSession session, string table, SubjectId? subject, PurposeId purpose, IEnumerable<string> storedKeys, CancellationToken cancellationToken)
    {
        var stored = storedKeys.ToHashSet(StringComparer.Ordinal);
        var committed = await session.GetCommitmentsAsync(table, subject, purpose, cancellationToken).ConfigureAwait(false);
        return committed.All(e => stored.Contains(e.Event.Commitment!.Key));
    }
}
