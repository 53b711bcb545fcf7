using System.Text.Json;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Vault.Internal;

/// <summary>
/// The vault's catalogue and the audit ledger are two databases, so no transaction spans both. A deletion therefore
/// stages its ledger events in the catalogue's <c>outbox</c> table in the same transaction as the deletion, then
/// appends them to the ledger and removes the entry. A crash or a ledger failure in between leaves the entry, and
/// recovery appends it later: the deletion and its ledger entry commit together, at least once. Entries belong to the
/// writer that staged them; only the holder of that writer's lease (the writer itself, or a recovery once the writer is
/// gone) appends them, one at a time in this process, so an entry is not appended twice unless a crash falls between
/// the append and the removal.
/// </summary>
internal sealed class LedgerOutbox(VaultCatalog catalog, AuditTrail audit) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public static string Serialize(IReadOnlyList<AuditEvent> events) =>
        JsonSerializer.Serialize(events.Select(e => new StagedEvent(e.Actor, e.Action, e.DataCategory.Value, e.Subject?.Value, e.Purpose?.Value, e.From, e.To, e.Reference)).ToArray());

    public static IReadOnlyList<AuditEvent> Deserialize(string json) =>
        [.. JsonSerializer.Deserialize<StagedEvent[]>(json)!.Select(e => new AuditEvent(e.Actor, e.Action, DataCategory.Parse(e.Category),
            e.Subject is null ? null : SubjectId.Parse(e.Subject), e.Purpose is null ? null : PurposeId.Parse(e.Purpose), e.From, e.To, e.Reference))];

    /// <summary>Appends one staged entry and removes it; nothing happens when there is none or it was appended already.</summary>
    public async Task FlushAsync(long? seq, CancellationToken cancellationToken)
    {
        if (seq is not { } entry)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await AppendAsync(entry, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Appends every entry <paramref name="writer"/> left, oldest first. The caller holds that writer's lease.</summary>
    public async Task FlushAllAsync(string writer, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var seq in catalog.OutboxOf(writer))
            {
                await AppendAsync(seq, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task AppendAsync(long seq, CancellationToken cancellationToken)
    {
        if (catalog.OutboxEntry(seq) is { } json)
        {
            await audit.RecordAsync(Deserialize(json), cancellationToken).ConfigureAwait(false);
            catalog.DeleteOutbox(seq);
        }
    }

    private sealed record StagedEvent(string Actor, AuditAction Action, string Category, string? Subject, string? Purpose, string? From, string? To, string? Reference);
}
