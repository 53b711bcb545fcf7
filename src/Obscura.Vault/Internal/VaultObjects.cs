using System.Security.Cryptography;
using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Security.Files;
using Obscura.Vault.Telemetry;

namespace Obscura.Vault.Internal;

/// <summary>
/// Ingest and read of single blobs. An ingest validates every field and passes the gate before it writes anything, then
/// runs in this order: a pending catalogue row (carrying this process's writer id and the data key's id), the sealed
/// file (temporary name, fsync, rename), the ledger's <c>Create</c>, and the row marked stored. A failure at any step
/// rolls back at once what was written (file, row, and a ledger <c>Delete</c> when the <c>Create</c> was recorded); a
/// crash leaves a pending row of a dead writer, which the next recovery in any process rolls back the same way.
/// </summary>
internal sealed class VaultObjects(VaultRuntime vault, AccessGate gate)
{
    private const int MaxLabels = 32;
    private const int KeyAttempts = 5;

    public async Task<Outcome<VaultObject>> IngestAsync(string actor, VaultIngestRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Validate(request) is { } invalid)
        {
            return invalid;
        }

        var purpose = await vault.Governance.GetPurposeAsync(request.Purpose, cancellationToken).ConfigureAwait(false);
        if (purpose is null)
        {
            return new GovernanceError(GovernanceErrorKind.NotFound, $"Purpose '{request.Purpose}' is not registered.", "purpose");
        }

        if (AccessGate.RefuseCategory(purpose, request.Category) is { } undeclared)
        {
            return undeclared;
        }

        if (await gate.DenyAsync(request.Subject, request.Purpose, null, request.Category, cancellationToken).ConfigureAwait(false) is { } denied)
        {
            return denied;
        }

        var now = vault.Now;
        var expiresAt = request.CollectedAt + purpose.Definition.Retention.Duration;
        if (request.CollectedAt > now + TimeSpan.FromMinutes(5))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The collection time is in the future.", "collectedAt");
        }

        if (expiresAt <= now)
        {
            return new GovernanceError(GovernanceErrorKind.Refused, $"The data is already past the purpose's retention period ({purpose.Definition.Retention}).", "collectedAt");
        }

        var metadata = new VaultObject(
            "obj_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), request.Subject, request.Purpose, request.CollectedAt, expiresAt, request.Source,
            request.ContentType, request.Category, new SortedDictionary<string, string>(request.Labels?.ToDictionary() ?? [], StringComparer.Ordinal), request.Payload.Length);

        // Built before anything is written: the ledger's own validation (actor, token lengths) cannot fail half-way.
        var created = new AuditEvent(actor, AuditAction.Create, request.Category, request.Subject, request.Purpose, from: "source:" + request.Source, to: "vault:objects", reference: metadata.Id);
        using var tracking = vault.Lease.Track(metadata.Id);
        var path = vault.Layout.ObjectPath(metadata.Id);
        var recorded = false;
        byte[]? key = null;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                (var keyId, key) = vault.Keys.SubjectKey(request.Subject);
                if (vault.Catalog.InsertPending(metadata, keyId, vault.Writer))
                {
                    break;
                }

                // An erasure or retention run retired the subject's key after it was read: take the new one. If this
                // process added the key to the store after the retirement's destruction ran, destroy it now.
                CryptographicOperations.ZeroMemory(key);
                key = null;
                vault.Keys.Store.Destroy([keyId]);
                if (attempt == KeyAttempts)
                {
                    throw new InvalidOperationException("The subject's data key kept being retired while a blob was stored; try again.");
                }
            }

            OwnerOnlyFiles.WriteAtomically(path, VaultFormat.Seal(metadata, request.Payload, key));
            recorded = true; // from here on the Create may be in the ledger (even if the call fails): an undo records a Delete
            await vault.Audit.RecordAsync([created], cancellationToken).ConfigureAwait(false);
            if (!vault.Catalog.MarkStored(metadata.Id, vault.Writer))
            {
                // An erasure removed the pending row meanwhile (and recorded the deletion): the erasure wins.
                DeleteQuietly(path);
                return new GovernanceError(GovernanceErrorKind.Refused, "The subject's data was erased while this blob was being stored; it was not kept.", "subject");
            }

            VaultInstruments.BytesStored.Add(metadata.Size);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            await RollBackAsync(actor, metadata, recorded).ConfigureAwait(false);
            throw;
        }
        finally
        {
            if (key is not null)
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }

        return metadata;
    }

    public async Task<Outcome<VaultContent>> ReadAsync(string actor, string objectId, PurposeId purpose, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(objectId);
        if (purpose.Value is null)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The purpose is not a valid purpose id.", "purpose");
        }

        if (vault.Catalog.FindStored(objectId) is not { } row)
        {
            return new GovernanceError(GovernanceErrorKind.NotFound, $"Object '{objectId}' is not in the vault (never stored, expired or erased).", "objectId");
        }

        var metadata = row.Metadata;
        if (await gate.DenyAsync(metadata.Subject, purpose, metadata.Purpose, metadata.Category, cancellationToken).ConfigureAwait(false) is { } denied)
        {
            return denied;
        }

        var read = new AuditEvent(actor, AuditAction.Read, metadata.Category, metadata.Subject, purpose, from: "vault:objects", to: "reader:" + purpose, reference: metadata.Id);
        if (Decrypt(row) is not { } payload)
        {
            return new GovernanceError(GovernanceErrorKind.Refused, $"Object '{objectId}' cannot be decrypted: its subject's data key was destroyed or the file was altered.", "objectId");
        }

        try
        {
            await vault.Audit.RecordAsync([read], cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(payload);
            throw;
        }

        return new VaultContent(metadata, payload);
    }

    /// <summary>The blob, or <see langword="null"/> when its key is gone (destroyed, or under a destroyed KEK epoch), its file is missing, or it fails authentication.</summary>
    public byte[]? Decrypt(CatalogObject row)
    {
        var metadata = row.Metadata;
        var path = vault.Layout.ObjectPath(metadata.Id);
        if (vault.Keys.Find(row.KeyId) is not { } key)
        {
            return null;
        }

        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            return VaultFormat.TryOpen(File.ReadAllBytes(path), key, out var header, out var payload) && header is not null
                && header.Id == metadata.Id && header.Subject == metadata.Subject && header.Purpose == metadata.Purpose && header.ExpiresAt == metadata.ExpiresAt
                ? payload
                : null;
        }
        catch (FileNotFoundException)
        {
            return null; // deleted while being read
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Deletes a file that may already be gone.</summary>
    public static void DeleteQuietly(string path)
    {
        try
        {
            OwnerOnlyFiles.Delete(path);
        }
        catch (FileNotFoundException)
        {
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>
    /// Undoes a failed ingest of this process at once: the file, then the pending row; when its <c>Create</c> may have
    /// reached the ledger (the append was attempted), the deletion is logged and recorded there too, through the outbox,
    /// so the ledger never shows a blob as created and not deleted when it is not in the vault. What cannot be undone now (the
    /// catalogue itself failing) stays pending under this writer and is rolled back by the next recovery.
    /// </summary>
    private async Task RollBackAsync(string actor, VaultObject metadata, bool recorded)
    {
        try
        {
            DeleteQuietly(vault.Layout.ObjectPath(metadata.Id));
            var result = vault.Catalog.DeleteObjects([metadata], recorded ? "recovery" : null, vault.Now, [], onlyPendingOf: vault.Writer, vault.Writer,
                (deleted, _) => recorded ? VaultLedger.Deletions(actor, deleted, [], "recovery") : []);
            await vault.Outbox.FlushAsync(result.Outbox, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception secondary) when (secondary is IOException or UnauthorizedAccessException or System.Data.Common.DbException or InvalidOperationException or InvalidDataException)
        {
            // Left for recovery: the row is still pending under this writer, or the outbox entry is still staged.
        }
    }

    private static GovernanceError? Validate(VaultIngestRequest r)
    {
        if (r.Subject.Value is null)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The subject is not a valid subject id.", "subject");
        }

        if (r.Purpose.Value is null)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The purpose is not a valid purpose id.", "purpose");
        }

        if (r.Payload is null || r.Payload.Length == 0 || r.Payload.Length > VaultFormat.MaxPayloadBytes)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, $"The payload is 1 byte to {VaultFormat.MaxPayloadBytes / (1024 * 1024)} MiB.", "payload");
        }

        if (!VaultLayout.IsSource(r.Source))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, $"The source is 1-{VaultLayout.MaxSourceLength} characters of letters, digits and ._:- starting with a letter or digit.", "source");
        }

        if (string.IsNullOrWhiteSpace(r.ContentType) || r.ContentType.Length > 100 || !r.ContentType.Contains('/', StringComparison.Ordinal) || r.ContentType.Any(char.IsControl))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The content type is a media type such as image/jpeg.", "contentType");
        }

        if (r.Category.Value is null)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The category is a data-category slug such as face-image.", "category");
        }

        if (r.Labels is { Count: > MaxLabels })
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, $"At most {MaxLabels} labels.", "labels");
        }

        return r.Labels?.FirstOrDefault(l => !VaultLayout.IsToken(l.Key) || !VaultLayout.IsToken(l.Value)) is { Key: not null } bad
            ? new GovernanceError(GovernanceErrorKind.Invalid, $"Label '{bad.Key}' is not a short token pair (keys and values: 1-64 of a-z, 0-9, '.', '_', '-').", "labels")
            : null;
    }
}
