using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Security.Files;

namespace Obscura.Vault.Internal;

/// <summary>
/// Training exports: written for a run, kept in step with erasures and withdrawals, closed and deleted. An export is
/// reserved in the catalogue (pending, under this writer) before anything is written, staged in
/// <c>scratch/RUN/staging-WRITER-…</c>, and published under the maintenance lock: records whose object was erased while
/// staging are dropped, the ledger's <c>Export</c> entries are appended, the folder is renamed into <c>exports/RUN</c>,
/// and the catalogue row becomes open with its members. A failure rolls all of it back at once; a crash leaves a
/// pending export of a dead writer, which recovery rolls back.
/// </summary>
internal sealed class TrainingExports(VaultRuntime vault, VaultObjects objects, TrainingSelection selection)
{
    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    public async Task<Outcome<TrainingExport>> ExportAsync(string actor, TrainingExportRequest request, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!VaultLayout.IsToken(request.Run))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "A run name is 1-64 characters of a-z, 0-9, '.', '_' and '-'.", "run");
        }

        if (request.Fields is null || request.Fields.Count == 0 || request.Fields.Any(f => !TrainingExportRequest.IsField(f)))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, $"Declare the fields the run needs, from {string.Join(", ", TrainingExportRequest.KnownFields)} and label:KEY.", "fields");
        }

        if (vault.Catalog.ExportExists(request.Run) || Directory.Exists(vault.Layout.ExportFolder(request.Run)))
        {
            return new GovernanceError(GovernanceErrorKind.Conflict, $"Run '{request.Run}' already has an export.", "run");
        }

        // Checked against the latest version first so a refused export records no selection, then against the version
        // the selection was actually made under (a new version may have been recorded in between).
        if (selection.Policies(request.Purpose) is [.., var latest] && Disallowed(latest, request.Fields) is { } early)
        {
            return early;
        }

        var selected = await selection.SelectAsync(request.Purpose, null, cancellationToken).ConfigureAwait(false);
        if (!selected.Succeeded)
        {
            return selected.Error;
        }

        if (Disallowed(selected.Value.Policy, request.Fields) is { } refusal)
        {
            return refusal;
        }

        var run = request.Run;
        var purpose = request.Purpose;
        var pseudonymKeyId = request.Pseudonymise ? $"export:{run}:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}" : null;
        if (!vault.Catalog.ReserveExport(run, purpose, selected.Value.Policy.Version, pseudonymKeyId, vault.Writer, vault.Now))
        {
            return new GovernanceError(GovernanceErrorKind.Conflict, $"Run '{run}' already has an export.", "run");
        }

        using var tracking = vault.Lease.Track("export:" + run);
        OwnerOnlyFiles.CreateDirectory(vault.Layout.ScratchFolder(run));
        var staging = vault.Layout.StagingFolder(run, vault.Writer);
        var fields = request.Fields.Distinct(StringComparer.Ordinal).ToArray();
        var recorded = false;
        byte[]? pseudonymKey = null;
        try
        {
            pseudonymKey = pseudonymKeyId is null ? null : vault.Keys.CreateExportKey(pseudonymKeyId, run);
            OwnerOnlyFiles.CreateDirectory(Path.Combine(staging, "payload"));
            var records = new List<(VaultObject Object, string RecordId, string Line)>();
            foreach (var id in selected.Value.ObjectIds)
            {
                var read = await objects.ReadAsync(actor, id, purpose, cancellationToken).ConfigureAwait(false);
                if (!read.Succeeded)
                {
                    continue; // withdrawn or shredded since the selection: left out, not exported
                }

                var o = read.Value.Metadata;
                var recordId = pseudonymKey is null ? o.Id : Pseudonym(pseudonymKey, "object", o.Id);
                var record = new SortedDictionary<string, object?>(StringComparer.Ordinal) { ["id"] = recordId };
                foreach (var field in fields)
                {
                    switch (field)
                    {
                        case "payload":
                            OwnerOnlyFiles.WriteAtomically(Path.Combine(staging, "payload", recordId + ".bin"), read.Value.Payload);
                            record["payload"] = $"payload/{recordId}.bin";
                            break;
                        case "subject":
                            record["subject"] = pseudonymKey is null ? o.Subject.Value : Pseudonym(pseudonymKey, "subject", o.Subject.Value);
                            break;
                        case "collected-at":
                            record["collected-at"] = o.CollectedAt;
                            break;
                        case "source":
                            record["source"] = o.Source;
                            break;
                        case "content-type":
                            record["content-type"] = o.ContentType;
                            break;
                        default:
                            record[field] = o.Labels.TryGetValue(field["label:".Length..], out var value) ? value : null;
                            break;
                    }
                }

                CryptographicOperations.ZeroMemory(read.Value.Payload);
                records.Add((o, recordId, JsonSerializer.Serialize(record)));
                progress?.Report(records.Count);
            }

            using (await vault.MaintenanceAsync(cancellationToken).ConfigureAwait(false))
            {
                // Under the lock no erasure runs; one that ran while the records were staged removed their objects.
                var stillStored = vault.Catalog.StillStored(records.Select(r => r.Object.Id));
                foreach (var gone in records.Where(r => !stillStored.Contains(r.Object.Id)))
                {
                    VaultObjects.DeleteQuietly(Path.Combine(staging, "payload", gone.RecordId + ".bin"));
                }

                records.RemoveAll(r => !stillStored.Contains(r.Object.Id));
                var now = vault.Now;
                var expiresAt = records.Select(r => r.Object.ExpiresAt).Append(now + (request.ExpiresAfter ?? TimeSpan.FromDays(30))).Min();
                var export = new TrainingExport(run, purpose, selected.Value.Policy.Version, fields, pseudonymKey is not null, now, expiresAt,
                    now + (request.ScratchDeadline ?? TimeSpan.FromHours(24)), records.Count, ExportState.Open);
                OwnerOnlyFiles.WriteAtomically(Path.Combine(staging, "records.jsonl"), Encoding.UTF8.GetBytes(string.Concat(records.Select(r => r.Line + "\n"))));
                WriteManifest(staging, export);
                var events = records.Select(r => new AuditEvent(actor, AuditAction.Export, r.Object.Category, r.Object.Subject, purpose, from: "vault:objects", to: "export:" + run, reference: r.Object.Id)).ToArray();
                if (events.Length > 0)
                {
                    recorded = true; // from here on the entries may be in the ledger: a rollback records the export's deletion
                    await vault.Audit.RecordAsync(events, cancellationToken).ConfigureAwait(false);
                }

                OwnerOnlyFiles.CreateDirectory(vault.Layout.Exports);
                Directory.Move(staging, vault.Layout.ExportFolder(run));
                if (!vault.Catalog.PublishExport(export, vault.Writer, [.. records.Select(r => (r.Object.Id, r.Object.Subject, r.RecordId))]))
                {
                    throw new InvalidOperationException($"The reservation of run '{run}' disappeared while it was being exported.");
                }

                return export;
            }
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            await RollBackAsync(actor, run, purpose, vault.Writer, recorded, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                OwnerOnlyFiles.DeleteDirectory(staging);
            }

            if (pseudonymKey is not null)
            {
                CryptographicOperations.ZeroMemory(pseudonymKey);
            }
        }
    }

    /// <summary>Closes a run: its scratch area is overwritten and deleted; the export stays until it expires.</summary>
    public async Task<Outcome<TrainingExport>> CloseRunAsync(string actor, string run, CancellationToken cancellationToken)
    {
        if (vault.Catalog.Exports().FirstOrDefault(e => e.Run == run) is not { } export)
        {
            return new GovernanceError(GovernanceErrorKind.NotFound, $"Run '{run}' has no export.", "run");
        }

        using (await vault.MaintenanceAsync(cancellationToken).ConfigureAwait(false))
        {
            var seq = DeleteScratch(actor, export);
            await vault.Outbox.FlushAsync(seq, cancellationToken).ConfigureAwait(false);
        }

        return vault.Catalog.Exports().First(e => e.Run == run);
    }

    /// <summary>
    /// Removes from every published export the records whose object is no longer in the vault, with their payload
    /// files, rewriting the records file and the manifest first and the catalogue after, so that the step can be
    /// repeated after a crash. The caller holds the maintenance lock. Returns the outbox entries to flush.
    /// </summary>
    public List<long> RemoveDeletedMembers(string actor)
    {
        var seqs = new List<long>();
        foreach (var run in vault.Catalog.MembersWithoutObject().GroupBy(m => m.Run, StringComparer.Ordinal))
        {
            var export = vault.Catalog.Exports().First(e => e.Run == run.Key);
            var folder = vault.Layout.ExportFolder(run.Key);
            var recordIds = run.Select(m => m.RecordId).ToHashSet(StringComparer.Ordinal);
            var recordsPath = Path.Combine(folder, "records.jsonl");
            var left = export.Records - run.Count();
            if (File.Exists(recordsPath))
            {
                var kept = File.ReadAllLines(recordsPath).Where(line => !recordIds.Contains(RecordId(line))).ToArray();
                ReplaceScrubbing(recordsPath, Encoding.UTF8.GetBytes(string.Concat(kept.Select(l => l + "\n"))));
                left = kept.Length;
            }

            foreach (var recordId in recordIds)
            {
                VaultObjects.DeleteQuietly(Path.Combine(folder, "payload", recordId + ".bin"));
            }

            if (Directory.Exists(folder))
            {
                WriteManifest(folder, export with { Records = left });
            }

            var events = run.Select(m => new AuditEvent(actor, AuditAction.Delete, VaultLedger.ExportCategory, m.Subject, export.Purpose, from: "export:" + run.Key, to: m.Reason, reference: m.ObjectId)).ToArray();
            if (vault.Catalog.RemoveMembers(run.Key, [.. run.Select(m => m.ObjectId)], vault.Writer, events) is { } seq)
            {
                seqs.Add(seq);
            }
        }

        return seqs;
    }

    /// <summary>Deletes an expired export with its scratch area; its pseudonymisation key is retired. The caller holds the maintenance lock.</summary>
    public long? DeleteExport(string actor, TrainingExport export)
    {
        var scratch = vault.Layout.ScratchFolder(export.Run);
        var files = Directory.Exists(scratch) ? Directory.GetFiles(scratch, "*", SearchOption.AllDirectories).Length : 0;
        AuditEvent[] events = export.State == ExportState.Open
            ? [ScratchClosed(actor, export, files), VaultLedger.ExportDeleted(actor, export.Run, export.Purpose, "retention")]
            : [VaultLedger.ExportDeleted(actor, export.Run, export.Purpose, "retention")];
        var (changed, _, seq) = vault.Catalog.SetExportState(export.Run, ExportState.Deleted, vault.Now, vault.Writer, events);
        if (changed)
        {
            OwnerOnlyFiles.DeleteDirectory(scratch);
            OwnerOnlyFiles.DeleteDirectory(vault.Layout.ExportFolder(export.Run));
        }

        return seq;
    }

    /// <summary>Closes an open run's scratch area. The caller holds the maintenance lock.</summary>
    public long? DeleteScratch(string actor, TrainingExport export)
    {
        if (export.State != ExportState.Open)
        {
            return null;
        }

        var scratch = vault.Layout.ScratchFolder(export.Run);
        var files = Directory.Exists(scratch) ? Directory.GetFiles(scratch, "*", SearchOption.AllDirectories).Length : 0;
        var (changed, _, seq) = vault.Catalog.SetExportState(export.Run, ExportState.Closed, vault.Now, vault.Writer, [ScratchClosed(actor, export, files)]);
        if (changed)
        {
            OwnerOnlyFiles.DeleteDirectory(scratch);
        }

        return seq;
    }

    /// <summary>
    /// Undoes an export that did not finish (this process's, or a dead writer's found by recovery): its published folder,
    /// staging folders and reservation go, its pseudonymisation key is retired, and when its entries may have reached the
    /// ledger, the export's deletion is recorded.
    /// </summary>
    public async Task RollBackAsync(string actor, string run, PurposeId purpose, string writer, bool recorded, CancellationToken cancellationToken)
    {
        try
        {
            if (Directory.Exists(vault.Layout.ScratchFolder(run)))
            {
                foreach (var staging in Directory.EnumerateDirectories(vault.Layout.ScratchFolder(run), "staging-*").Where(s => VaultLayout.WriterOfStaging(s) == writer).ToArray())
                {
                    OwnerOnlyFiles.DeleteDirectory(staging);
                }
            }

            // The run name was reserved by this writer, so a folder under its name is this export's.
            OwnerOnlyFiles.DeleteDirectory(vault.Layout.ExportFolder(run));
            var (_, seq) = vault.Catalog.DeletePendingExport(run, writer, vault.Now, recorded ? [VaultLedger.ExportDeleted(actor, run, purpose, "recovery")] : []);
            await vault.Outbox.FlushAsync(seq, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception secondary) when (secondary is IOException or UnauthorizedAccessException or System.Data.Common.DbException or InvalidOperationException or InvalidDataException)
        {
            // Left for recovery: the reservation is still pending under this writer.
        }
    }

    private static AuditEvent ScratchClosed(string actor, TrainingExport export, int files) =>
        new(actor, AuditAction.Delete, VaultLedger.ScratchCategory, null, export.Purpose, from: "vault:scratch/" + export.Run, to: $"closed:{files}-files", reference: export.Run);

    /// <summary>Replaces a file holding personal data: the new content is written beside it, the old one is overwritten and deleted, and the new one renamed into place.</summary>
    public static void ReplaceScrubbing(string path, byte[] content)
    {
        var next = path + ".next";
        OwnerOnlyFiles.WriteAtomically(next, content);
        OwnerOnlyFiles.Delete(path);
        File.Move(next, path);
    }

    /// <summary>Finishes a <see cref="ReplaceScrubbing"/> a crash interrupted.</summary>
    public static void FinishReplacement(string next)
    {
        var path = next[..^".next".Length];
        if (File.Exists(path))
        {
            OwnerOnlyFiles.Delete(path);
        }

        File.Move(next, path);
    }

    private static void WriteManifest(string folder, TrainingExport export)
    {
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "manifest.json")
            .Order(StringComparer.Ordinal)
            .Select(f => new { path = Path.GetRelativePath(folder, f).Replace('\\', '/'), sha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))) })
            .ToArray();
        var manifest = new
        {
            format = "obscura/training-export/v1",
            run = export.Run,
            purpose = export.Purpose.Value,
            policyVersion = export.PolicyVersion,
            fields = export.Fields,
            pseudonymised = export.Pseudonymised,
            createdAt = export.CreatedAt,
            expiresAt = export.ExpiresAt,
            records = export.Records,
            files,
        };
        OwnerOnlyFiles.WriteAtomically(Path.Combine(folder, "manifest.json"), JsonSerializer.SerializeToUtf8Bytes(manifest, IndentedJson));
    }

    private static string RecordId(string jsonLine)
    {
        using var record = JsonDocument.Parse(jsonLine);
        return record.RootElement.GetProperty("id").GetString()!;
    }

    private static string Pseudonym(byte[] key, string kind, string value) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(kind + "\n" + value)).AsSpan(0, 16));

    /// <summary>The refusal of an export that names fields the policy version does not allow, or <see langword="null"/>.</summary>
    private static GovernanceError? Disallowed(MinimisationPolicy policy, IReadOnlyList<string> fields)
    {
        if (policy.AllowedFields is not { } allowed)
        {
            return null;
        }

        var outside = fields.Where(f => !allowed.Contains(f, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).ToArray();
        return outside.Length == 0
            ? null
            : new GovernanceError(GovernanceErrorKind.Refused,
                $"Minimisation policy version {policy.Version} of '{policy.Purpose}' does not allow exporting {string.Join(", ", outside)}; it allows {string.Join(", ", allowed)}.", "fields");
    }
}
