using System.Globalization;
using System.Security.Cryptography;
using Obscura.Governance.Storage;

namespace Obscura.Governance.Ledger;

/// <summary>
/// The cross-check of stored records against the ledger, both ways, during one verification pass: every entry that
/// commits a row must still find that row (else it was deleted), and every row of a committed table must match the
/// content its latest entry committed (else it was inserted outside Obscura, changed or reordered). Access-log
/// batches are recomputed from their rows. Mutable by design; used inside one <see cref="AuditLedger.VerifyAsync(ILedgerSession, LedgerVerificationKey, IProgress{long}, CancellationToken)"/>.
/// </summary>
internal sealed class RecordAudit(ILedgerSession session, Action<LedgerProblem> report, CancellationToken cancellationToken)
{
    private const int PageSize = 10_000;
    private readonly HashSet<string> _reportedMissing = new(StringComparer.Ordinal);
    private long _accessCommittedUpTo;

    /// <summary>Rows of committed tables checked so far.</summary>
    public long RecordsChecked { get; private set; }

    /// <summary>Access-log rows after the last committed batch: not tampering, not yet tamper-evident.</summary>
    public long PendingAccessRecords { get; private set; }

    /// <summary>Checks that the rows one page of entries commits still exist, and recomputes its access-log batches.</summary>
    public async Task CheckEntriesAsync(IReadOnlyList<AuditEntry> page)
    {
        foreach (var group in page.Where(e => e.Event.Commitment is not null).GroupBy(e => e.Event.Commitment!.Table, StringComparer.Ordinal))
        {
            if (group.Key == RecordTables.AccessLog)
            {
                foreach (var entry in group)
                {
                    await CheckAccessBatchAsync(entry).ConfigureAwait(false);
                }

                continue;
            }

            var found = RecordTables.RowByRow.Contains(group.Key)
                ? await session.FindRecordsAsync(group.Key, group.Select(e => e.Event.Commitment!.Key).Distinct(StringComparer.Ordinal).ToList(), cancellationToken).ConfigureAwait(false)
                : new Dictionary<string, byte[]>();
            foreach (var entry in group)
            {
                var c = entry.Event.Commitment!;
                if (!found.ContainsKey(c.Key) && _reportedMissing.Add(c.Table + "/" + c.Key))
                {
                    report(new LedgerProblem(LedgerProblemKind.CommittedRecordMissing, Inv($"Entry {entry.Sequence} commits a {c.Table} row that is no longer stored: it was deleted outside Obscura."), entry.Sequence, entry.Sequence, c.Table + "/" + c.Key));
                }
            }
        }
    }

    /// <summary>Checks every row of every committed table against the latest entry that commits it, then counts pending access-log rows.</summary>
    public async Task CheckTablesAsync()
    {
        foreach (var table in RecordTables.RowByRow)
        {
            string? after = null;
            while (true)
            {
                var rows = await session.GetRecordsAsync(table, after, PageSize, cancellationToken).ConfigureAwait(false);
                if (rows.Count == 0)
                {
                    break;
                }

                var latest = await session.GetLatestCommitmentsAsync(table, rows.Select(r => r.Key).ToList(), cancellationToken).ConfigureAwait(false);
                foreach (var row in rows)
                {
                    RecordsChecked++;
                    if (!latest.TryGetValue(row.Key, out var entry))
                    {
                        report(new LedgerProblem(LedgerProblemKind.RecordNotInLedger, Inv($"A {table} row is committed by no ledger entry: it was inserted outside Obscura."), null, null, table + "/" + row.Key));
                    }
                    else if (!CryptographicOperations.FixedTimeEquals(entry.Event.Commitment!.ContentHash, row.ContentHash))
                    {
                        report(new LedgerProblem(LedgerProblemKind.RecordDoesNotMatchLedger, Inv($"A {table} row differs from what entry {entry.Sequence} committed: it was changed or reordered outside Obscura."), entry.Sequence, entry.Sequence, table + "/" + row.Key));
                    }
                }

                if (rows.Count < PageSize)
                {
                    break;
                }

                after = rows[^1].Key;
            }
        }

        if (await session.GetFirstAccessSequenceAsync(cancellationToken).ConfigureAwait(false) is < 1)
        {
            report(new LedgerProblem(LedgerProblemKind.AccessLogDoesNotMatchLedger, "The access log holds rows numbered below 1, outside every batch: they were inserted outside Obscura."));
        }

        PendingAccessRecords = (await session.GetPendingAccessAsync(_accessCommittedUpTo, cancellationToken).ConfigureAwait(false)).Count;
    }

    private async Task CheckAccessBatchAsync(AuditEntry entry)
    {
        var c = entry.Event.Commitment!;
        if (!AccessLogBatch.TryParseKey(c.Key, out var first, out var last) || first != _accessCommittedUpTo + 1)
        {
            report(new LedgerProblem(LedgerProblemKind.AccessLogDoesNotMatchLedger, Inv($"Entry {entry.Sequence} commits access-log rows {c.Key}, which do not follow the previous batch (up to {_accessCommittedUpTo}): a batch was committed twice or a range skipped."), entry.Sequence, entry.Sequence, c.Table + "/" + c.Key));
        }
        else if (!CryptographicOperations.FixedTimeEquals(await AccessLogBatch.HashAsync(session, first, last, cancellationToken).ConfigureAwait(false), c.ContentHash))
        {
            report(new LedgerProblem(LedgerProblemKind.AccessLogDoesNotMatchLedger, Inv($"Access-log rows {first}..{last}, committed by entry {entry.Sequence}, were changed, inserted or deleted outside Obscura."), entry.Sequence, entry.Sequence, c.Table + "/" + c.Key));
        }

        if (AccessLogBatch.TryParseKey(c.Key, out _, out var end))
        {
            _accessCommittedUpTo = Math.Max(_accessCommittedUpTo, end);
        }
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
