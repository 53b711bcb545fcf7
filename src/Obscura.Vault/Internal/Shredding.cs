using Obscura.Governance;
using Obscura.Governance.Consent;
using Obscura.Governance.Subjects;

namespace Obscura.Vault.Internal;

/// <summary>
/// Deletion: erasure and withdrawal on request, and the retention job. Every deletion runs under the maintenance lock
/// in this order, so that a crash at any point is finished by repeating the operation or by recovery: one catalogue
/// transaction per 1,000 subjects or objects deletes the rows, logs the deletions, retires the data keys of subjects
/// left with nothing and stages the ledger events; then the files are overwritten and deleted; then the records of
/// deleted objects are removed from exports; then every retired key is destroyed in one key-store epoch (so one
/// operation costs one re-wrap of the surviving keys, however many subjects it shreds); then the staged ledger events
/// are appended.
/// </summary>
internal sealed class Shredding(VaultRuntime vault, ObjectDeletion deletion, TrainingExports exports, VaultRecovery recovery)
{
    public async Task<Outcome<int>> ShredSubjectsAsync(string actor, IReadOnlyList<SubjectId> subjects, string reason, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        if (subjects.Any(s => s.Value is null))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "A subject is not a valid subject id.", "subject");
        }

        if (reason is not ("withdrawal" or "erasure"))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The reason is 'withdrawal' or 'erasure'.", "reason");
        }

        using (await vault.MaintenanceAsync(cancellationToken).ConfigureAwait(false))
        {
            var seqs = new List<long>();
            var deleted = 0;
            var done = 0;
            foreach (var chunk in subjects.Distinct().Chunk(ObjectDeletion.Batch))
            {
                var found = vault.Catalog.OfSubjects(chunk).Select(r => r.Metadata).ToArray();
                deleted += deletion.Delete(actor, found, reason, chunk, seqs).Deleted.Count;
                done += chunk.Length;
                progress?.Report(done);
            }

            seqs.AddRange(exports.RemoveDeletedMembers(actor));
            await deletion.CompleteAsync(seqs, cancellationToken).ConfigureAwait(false);
            return deleted;
        }
    }

    public async Task<RetentionReport> RunRetentionAsync(string actor, CancellationToken cancellationToken)
    {
        using (await vault.MaintenanceAsync(cancellationToken).ConfigureAwait(false))
        {
            await recovery.RecoverHeldAsync(cancellationToken).ConfigureAwait(false);
            var now = vault.Now;
            var seqs = new List<long>();
            var expired = vault.Catalog.ExpiredAt(now).Select(r => r.Metadata).ToArray();
            var shredded = deletion.Delete(actor, expired, "retention", [], seqs).Shredded.Count;

            var withdrawn = new List<VaultObject>();
            foreach (var group in vault.Catalog.Stored().Select(r => r.Metadata).GroupBy(o => (o.Subject, o.Purpose)))
            {
                var decision = await vault.Governance.AuthorizeAsync(group.Key.Subject, group.Key.Purpose, null, cancellationToken).ConfigureAwait(false);
                if (decision.Reasons.Any(r => r is DenialReason.ConsentWithdrawn or DenialReason.Objected))
                {
                    withdrawn.AddRange(group);
                }
            }

            var withdrawal = deletion.Delete(actor, withdrawn, "withdrawal", [], seqs);
            shredded += withdrawal.Shredded.Count;

            var expiredExports = 0;
            var scratchDeleted = 0;
            foreach (var export in vault.Catalog.Exports().Where(e => e.State != ExportState.Deleted))
            {
                if (export.ExpiresAt <= now)
                {
                    ObjectDeletion.Add(seqs, exports.DeleteExport(actor, export));
                    expiredExports++;
                }
                else if (export.State == ExportState.Open && export.ScratchDeadline <= now)
                {
                    ObjectDeletion.Add(seqs, exports.DeleteScratch(actor, export));
                    scratchDeleted++;
                }
            }

            seqs.AddRange(exports.RemoveDeletedMembers(actor));
            await deletion.CompleteAsync(seqs, cancellationToken).ConfigureAwait(false);
            return new RetentionReport(expired.Length, withdrawal.Deleted.Count, shredded, expiredExports, scratchDeleted);
        }
    }
}
