using Obscura.Governance.Subjects;
using Obscura.Vault.Telemetry;

namespace Obscura.Vault.Internal;

/// <summary>The deletion step every deleting operation shares (see <see cref="Shredding"/> for the order); the caller holds the maintenance lock.</summary>
internal sealed class ObjectDeletion(VaultRuntime vault)
{
    public const int Batch = 1000;

    /// <summary>Deletes objects in catalogue batches, then their files; collects the outbox entries. The caller holds the maintenance lock.</summary>
    public Totals Delete(string actor, IReadOnlyList<VaultObject> objects, string reason, IReadOnlyList<SubjectId> alsoShred, List<long> seqs, string? onlyPendingOf = null)
    {
        var deleted = new List<VaultObject>();
        var shredded = new List<SubjectId>();
        var batches = objects.Chunk(Batch).Select(c => (Objects: c, AlsoShred: (IReadOnlyList<SubjectId>)[])).ToList();
        if (alsoShred.Count > 0)
        {
            batches.Add(([], alsoShred)); // keys of subjects with no object left, once all their objects are gone
        }

        foreach (var (batch, extra) in batches)
        {
            var result = vault.Catalog.DeleteObjects(batch, reason, vault.Now, extra, onlyPendingOf, vault.Writer,
                (gone, keys) => VaultLedger.Deletions(actor, gone, keys, reason));
            foreach (var o in result.Deleted)
            {
                VaultObjects.DeleteQuietly(vault.Layout.ObjectPath(o.Id));
            }

            Add(seqs, result.Outbox);
            VaultInstruments.Shredded(result.Deleted.Sum(o => o.Size), reason);
            deleted.AddRange(result.Deleted);
            shredded.AddRange(result.Shredded);
        }

        return new Totals(deleted, shredded);
    }

    /// <summary>Destroys every retired key in one epoch, then appends the staged ledger events in order.</summary>
    public async Task CompleteAsync(List<long> seqs, CancellationToken cancellationToken)
    {
        vault.Keys.DestroyRetired();
        foreach (var seq in seqs)
        {
            await vault.Outbox.FlushAsync(seq, cancellationToken).ConfigureAwait(false);
        }
    }

    public static void Add(List<long> seqs, long? seq)
    {
        if (seq is { } s)
        {
            seqs.Add(s);
        }
    }

    /// <summary>What a deletion removed: objects, and subjects whose key was retired.</summary>
    internal sealed record Totals(IReadOnlyList<VaultObject> Deleted, IReadOnlyList<SubjectId> Shredded);
}
