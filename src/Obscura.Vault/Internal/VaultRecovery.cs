using Obscura.Governance.Purposes;
using Obscura.Security.Files;
using Obscura.Security.Locks;

namespace Obscura.Vault.Internal;

/// <summary>
/// Recovery and the consistency check. Recovery touches only work whose writer is gone: for every writer id with
/// unfinished work (pending objects, pending exports, staged ledger events) or a lease file, it tries that writer's
/// lock; a live process holds its own, so its work is left alone, and a free lock means the writer died, so recovery
/// takes the lock (no second recovery can then work on the same writer) and rolls its work back: files, then rows, with
/// a <c>recovery</c> deletion in the log and the ledger. This process's own leftovers (an undo that itself failed) are
/// rolled back too, except what an operation is working on now. Then the debris no live work can own is removed, data
/// keys left without any object are retired, retired keys are destroyed in one epoch, and the staged ledger events are
/// appended. It runs under the maintenance lock, on open, in <c>vault check</c> and at the start of every retention run.
/// </summary>
internal sealed class VaultRecovery(VaultRuntime vault, ObjectDeletion deletion, TrainingExports exports, VaultObjects objects)
{
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        using (await vault.MaintenanceAsync(cancellationToken).ConfigureAwait(false))
        {
            await RecoverHeldAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Recovery; the caller holds the maintenance lock. Returns one line per thing it repaired.</summary>
    public async Task<IReadOnlyList<string>> RecoverHeldAsync(CancellationToken cancellationToken)
    {
        var repaired = new List<string>();
        var layout = vault.Layout;
        var own = vault.Writer;
        var held = new Dictionary<string, ProcessLock>(StringComparer.Ordinal);
        var seqs = new List<long>();
        try
        {
            var writers = vault.Catalog.WritersWithUnfinishedWork().ToHashSet(StringComparer.Ordinal);
            if (Directory.Exists(layout.Writers))
            {
                writers.UnionWith(Directory.EnumerateFiles(layout.Writers, "*.lock").Select(Path.GetFileNameWithoutExtension).Where(VaultLayout.IsWriterId)!);
            }

            foreach (var writer in writers.Order(StringComparer.Ordinal))
            {
                if (writer != own)
                {
                    if (!VaultLayout.IsWriterId(writer) || ProcessLock.TryAcquire(layout.WriterLock(writer)) is not { } dead)
                    {
                        continue; // alive: its lock is held by a running process
                    }

                    held[writer] = dead;
                }

                await RollBackAsync(writer, writer == own, seqs, repaired, cancellationToken).ConfigureAwait(false);
            }

            RemoveDebris(held.Keys.ToHashSet(StringComparer.Ordinal), repaired);
            // Housekeeping, not a repair: a key without data is no inconsistency (an ingest may be about to use it, and
            // then takes a fresh key).
            ObjectDeletion.Add(seqs, vault.Catalog.RetireUnusedDataKeys("recovery", vault.Now, own, subjects => VaultLedger.Deletions(VaultLedger.RecoveryActor, [], subjects, "recovery")).Outbox);

            var removed = exports.RemoveDeletedMembers(VaultLedger.RecoveryActor);
            if (removed.Count > 0)
            {
                repaired.Add($"records of deleted objects removed from {removed.Count} export(s)");
            }

            seqs.AddRange(removed);
            await deletion.CompleteAsync(seqs, cancellationToken).ConfigureAwait(false);
            foreach (var writer in held.Keys.Append(own))
            {
                await vault.Outbox.FlushAllAsync(writer, cancellationToken).ConfigureAwait(false);
            }

            return repaired;
        }
        finally
        {
            foreach (var lease in held.Values)
            {
                lease.Dispose();
            }
        }
    }

    /// <summary>
    /// Recovers, then checks that every stored object decrypts and matches its catalogue entry and that no debris is
    /// left. What recovery had to repair is reported as a problem too (prefixed <c>repaired:</c>): the next check, with
    /// nothing left to repair, is consistent.
    /// </summary>
    public async Task<VaultCheckReport> CheckAsync(CancellationToken cancellationToken)
    {
        using (await vault.MaintenanceAsync(cancellationToken).ConfigureAwait(false))
        {
            var problems = (await RecoverHeldAsync(cancellationToken).ConfigureAwait(false)).Select(r => "repaired: " + r).ToList();
            var stored = vault.Catalog.Stored();
            var readable = 0;
            foreach (var row in stored)
            {
                if (objects.Decrypt(row) is { } payload)
                {
                    readable++;
                    Array.Clear(payload);
                }
                else
                {
                    problems.Add($"{row.Metadata.Id}: unreadable (missing file or key, or altered)");
                }
            }

            var temporary = Files(vault.Layout.Objects, "*.tmp");
            var objectFiles = Files(vault.Layout.Objects, "*.obj");
            var pending = vault.Catalog.Pending().Select(p => p.Metadata.Id).ToHashSet(StringComparer.Ordinal);
            // A temporary file listed before its ingest renamed it is gone by now: only those still there count.
            problems.AddRange(temporary.Where(f => !pending.Contains(VaultLayout.ObjectOfTemporary(f) ?? "") && File.Exists(f)).Select(f => $"{Path.GetFileName(f)}: leftover temporary file"));
            problems.AddRange(objectFiles.Where(f => !vault.Catalog.Exists(Path.GetFileNameWithoutExtension(f)) && File.Exists(f)).Select(f => $"{Path.GetFileName(f)}: file without a catalogue entry"));
            problems.AddRange(await PolicyProblemsAsync(cancellationToken).ConfigureAwait(false));
            return new VaultCheckReport(stored.Count, readable, problems, pending.Count);
        }
    }

    /// <summary>
    /// Compares every minimisation-policy version with the ledger entry that recorded it (recovery has appended the
    /// staged ones): a version with no entry was inserted outside Obscura, one whose content no longer hashes to its
    /// entry's commitment was changed, and an entry whose version is gone was deleted. Exports follow the latest version,
    /// so a widened policy is how someone would export more than was approved.
    /// </summary>
    private async Task<IReadOnlyList<string>> PolicyProblemsAsync(CancellationToken cancellationToken)
    {
        var recorded = (await vault.Audit.FindAsync(e => e.DataCategory == VaultLedger.PolicyCategory && e.To == VaultLedger.PoliciesLocation && e.Purpose is not null, cancellationToken).ConfigureAwait(false))
            .Select(e => (Purpose: e.Event.Purpose!.Value, Version: VaultLedger.PolicyVersionOf(e.Event.Reference), e.Event.Reference))
            .Where(e => e.Version is not null)
            .GroupBy(e => (e.Purpose, e.Version!.Value))
            .ToDictionary(g => g.Key, g => g.Select(e => e.Reference).ToHashSet(StringComparer.Ordinal));
        var problems = new List<string>();
        var stored = new HashSet<(PurposeId, int)>();
        foreach (var policy in vault.Catalog.Policies(null))
        {
            stored.Add((policy.Purpose, policy.Version));
            if (!recorded.TryGetValue((policy.Purpose, policy.Version), out var references))
            {
                problems.Add($"policy {policy.Purpose} v{policy.Version}: not recorded in the audit ledger (inserted outside Obscura)");
            }
            else if (!references.Contains(VaultLedger.PolicyReference(policy)))
            {
                problems.Add($"policy {policy.Purpose} v{policy.Version}: differs from what the audit ledger recorded (changed outside Obscura)");
            }
        }

        problems.AddRange(recorded.Keys.Where(k => !stored.Contains(k)).OrderBy(k => k.Purpose.Value, StringComparer.Ordinal).ThenBy(k => k.Item2).Select(k => $"policy {k.Purpose} v{k.Item2}: recorded in the audit ledger but no longer stored (deleted outside Obscura)"));
        return problems;
    }

    /// <summary>Rolls back the unfinished work of one writer: a dead one, or this process's own outside what it is working on.</summary>
    private async Task RollBackAsync(string writer, bool own, List<long> seqs, List<string> repaired, CancellationToken cancellationToken)
    {
        var pending = vault.Catalog.PendingOf(writer).Where(p => !(own && vault.Lease.IsInFlight(p.Metadata.Id))).Select(p => p.Metadata).ToArray();
        foreach (var o in pending)
        {
            var path = vault.Layout.ObjectPath(o.Id);
            VaultObjects.DeleteQuietly(path);
            foreach (var temporary in Files(Path.GetDirectoryName(path)!, o.Id + ".obj.*.tmp"))
            {
                VaultObjects.DeleteQuietly(temporary);
            }
        }

        var rolledBack = deletion.Delete(VaultLedger.RecoveryActor, pending, "recovery", [], seqs, onlyPendingOf: writer);
        repaired.AddRange(rolledBack.Deleted.Select(o => $"{o.Id}: unfinished ingest of a stopped process rolled back"));
        foreach (var (run, purpose, _) in vault.Catalog.PendingExportsOf(writer).Where(e => !(own && vault.Lease.IsInFlight("export:" + e.Run))))
        {
            await exports.RollBackAsync(VaultLedger.RecoveryActor, run, purpose, writer, recorded: true, cancellationToken).ConfigureAwait(false);
            repaired.Add($"{run}: unfinished export of a stopped process rolled back");
        }
    }

    /// <summary>Removes what no live work can own; <paramref name="dead"/> are the writers whose locks recovery holds.</summary>
    private void RemoveDebris(HashSet<string> dead, List<string> repaired)
    {
        var layout = vault.Layout;

        // Listed before the pending rows are read: a live ingest inserts its row before it writes its file.
        var temporary = Files(layout.Objects, "*.tmp");
        var objectFiles = Files(layout.Objects, "*.obj");
        var pending = vault.Catalog.Pending().Select(p => p.Metadata.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var file in temporary.Where(f => !pending.Contains(VaultLayout.ObjectOfTemporary(f) ?? "") && File.Exists(f)))
        {
            VaultObjects.DeleteQuietly(file);
            repaired.Add($"{Path.GetFileName(file)}: leftover temporary file deleted");
        }

        foreach (var file in objectFiles.Where(f => !vault.Catalog.Exists(Path.GetFileNameWithoutExtension(f)) && File.Exists(f)))
        {
            VaultObjects.DeleteQuietly(file);
            repaired.Add($"{Path.GetFileName(file)}: file without a catalogue entry deleted");
        }

        // Folders listed before the export states are read: an export reserves its run before it creates a folder.
        var scratchFolders = Directory.Exists(layout.Scratch) ? Directory.GetDirectories(layout.Scratch) : [];
        var exportFolders = Directory.Exists(layout.Exports) ? Directory.GetDirectories(layout.Exports) : [];
        var states = vault.Catalog.ExportStates();
        foreach (var scratch in scratchFolders)
        {
            var run = Path.GetFileName(scratch);
            foreach (var staging in Directory.GetDirectories(scratch, "staging-*"))
            {
                var writer = VaultLayout.WriterOfStaging(staging);
                var live = writer == vault.Writer ? vault.Lease.IsInFlight("export:" + run) : writer is not null && !dead.Contains(writer) && ProcessLock.IsHeld(layout.WriterLock(writer));
                if (!live)
                {
                    OwnerOnlyFiles.DeleteDirectory(staging);
                    repaired.Add($"{run}: abandoned export staging folder deleted");
                }
            }

            // A run's scratch area goes when its run closed or its export is gone; one without any export is left over.
            if ((!states.TryGetValue(run, out var state) || state is "closed" or "deleted") && !Directory.EnumerateDirectories(scratch, "staging-*").Any())
            {
                OwnerOnlyFiles.DeleteDirectory(scratch);
            }
        }

        foreach (var folder in exportFolders)
        {
            if (!states.TryGetValue(Path.GetFileName(folder), out var state) || state == "deleted")
            {
                OwnerOnlyFiles.DeleteDirectory(folder);
                repaired.Add($"{Path.GetFileName(folder)}: export folder without a live export deleted");
                continue;
            }

            foreach (var next in Directory.GetFiles(folder, "*.next"))
            {
                TrainingExports.FinishReplacement(next);
                repaired.Add($"{Path.GetFileName(folder)}: interrupted rewrite of an export file finished");
            }
        }
    }

    private static string[] Files(string folder, string pattern) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder, pattern, SearchOption.AllDirectories) : [];
}
