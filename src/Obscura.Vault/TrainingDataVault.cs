using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Obscura.Governance;
using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.Security.Files;

namespace Obscura.Vault;

/// <summary>
/// The training-data vault. Each blob is encrypted with AES-256-GCM under its subject's data key, and data keys are
/// wrapped by the vault's key-encryption key; destroying a subject's data key (crypto-shredding) makes every copy of
/// their blobs unreadable, backups included. Every ingest and read is gated by the governance core (lawful basis, live
/// consent, Art. 6(4) assessment for reuse); training uses only the subset a versioned minimisation policy selects,
/// exported with only the declared fields; retention, withdrawal and erasure delete data on time; and every ingest,
/// read, export, copy and deletion is appended to the audit ledger.
/// </summary>
public sealed partial class TrainingDataVault : IDisposable
{
    private const string KekFile = "vault-kek.key";
    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };
    private static readonly DataCategory KeyCategory = DataCategory.Parse("data-key");
    private static readonly DataCategory ScratchCategory = DataCategory.Parse("training-scratch");
    private static readonly DataCategory ExportCategory = DataCategory.Parse("training-export");
    private readonly string _root;
    private readonly VaultCatalog _catalog;
    private readonly byte[] _kek;
    private readonly GovernanceService _governance;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _clock;

    private TrainingDataVault(string root, VaultCatalog catalog, byte[] kek, GovernanceService governance, AuditTrail audit, TimeProvider clock) =>
        (_root, _catalog, _kek, _governance, _audit, _clock) = (root, catalog, kek, governance, audit, clock);

    /// <summary>The folder that holds the vault.</summary>
    public string Root => _root;

    /// <summary>Where published exports are written: one folder per training run.</summary>
    public string ExportsFolder => Path.Combine(_root, "exports");

    /// <summary>The scratch area of a training run, for its intermediate files; deleted when the run closes or at its deadline.</summary>
    public string ScratchFolder(string run) => Path.Combine(_root, "scratch", CheckToken(run, nameof(run)));

    /// <summary>
    /// Opens (creating if needed) the vault in <paramref name="folder"/> and recovers from any crash: torn temporary
    /// files are deleted, and ingests that did not finish are rolled back and recorded as deletions in the ledger.
    /// </summary>
    public static async Task<TrainingDataVault> OpenAsync(string folder, GovernanceService governance, AuditTrail audit, TimeProvider? clock, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(governance);
        ArgumentNullException.ThrowIfNull(audit);
        var root = Path.GetFullPath(folder);
        OwnerOnlyFiles.CreateDirectory(Path.Combine(root, "keys"));
        OwnerOnlyFiles.CreateDirectory(Path.Combine(root, "objects"));
        var kekPath = Path.Combine(root, "keys", KekFile);
        if (!File.Exists(kekPath))
        {
            OwnerOnlyFiles.WriteAtomically(kekPath, RandomNumberGenerator.GetBytes(32));
        }

        var kek = File.ReadAllBytes(kekPath);
        if (kek.Length != 32)
        {
            throw new InvalidDataException($"The vault's key-encryption key {kekPath} is not 32 bytes.");
        }

        var vault = new TrainingDataVault(root, VaultCatalog.Open(Path.Combine(root, "vault.db")), kek, governance, audit, clock ?? TimeProvider.System);
        await vault.RecoverAsync(cancellationToken).ConfigureAwait(false);
        return vault;
    }

    /// <summary>Stores a blob for a purpose after checking the purpose's lawful basis and the subject's consent.</summary>
    /// <returns>The stored object, or the refusal (Invalid, NotFound or Refused with the reasons).</returns>
    public async Task<Outcome<VaultObject>> IngestAsync(string actor, VaultIngestRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Validate(request) is { } invalid)
        {
            return invalid;
        }

        var subject = SubjectId.Parse(request.Subject);
        var purposeId = PurposeId.Parse(request.Purpose);
        var purpose = await _governance.GetPurposeAsync(purposeId, cancellationToken).ConfigureAwait(false);
        if (purpose is null)
        {
            return new GovernanceError(GovernanceErrorKind.NotFound, $"Purpose '{request.Purpose}' is not registered.", "purpose");
        }

        if (await DenyAsync(subject, purposeId, null, cancellationToken).ConfigureAwait(false) is { } denied)
        {
            return denied;
        }

        var now = _clock.GetUtcNow();
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
            "obj_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), request.Subject, request.Purpose, request.CollectedAt, expiresAt,
            request.Source, request.ContentType, request.Category, new SortedDictionary<string, string>(request.Labels?.ToDictionary() ?? [], StringComparer.Ordinal), request.Payload.Length);
        var key = SubjectKey(request.Subject, create: true)!;
        try
        {
            // Order for crash safety: a pending catalogue row, then the file, then the ledger, then the row is stored.
            // Recovery rolls a pending row back (deleting any file) and records that in the ledger.
            _catalog.InsertPending(metadata);
            OwnerOnlyFiles.WriteAtomically(ObjectPath(metadata.Id), VaultFormat.Seal(metadata, request.Payload, key));
            await _audit.RecordAsync(
                [new AuditEvent(actor, AuditAction.Create, DataCategory.Parse(request.Category), subject, purposeId, from: "source:" + request.Source, to: "vault:objects", reference: metadata.Id)],
                cancellationToken).ConfigureAwait(false);
            _catalog.MarkStored(metadata.Id);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        return metadata;
    }

    /// <summary>
    /// Reads a blob for <paramref name="purpose"/>: allowed when the governance core allows processing the subject's data
    /// for that purpose (including an Art. 6(4) assessment when the purpose is not the one the data was collected for).
    /// </summary>
    public async Task<Outcome<VaultContent>> ReadAsync(string actor, string objectId, string purpose, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(objectId);
        if (!PurposeId.TryParse(purpose, out var purposeId))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The purpose is not a valid purpose id.", "purpose");
        }

        var metadata = _catalog.FindStored(objectId);
        if (metadata is null)
        {
            return new GovernanceError(GovernanceErrorKind.NotFound, $"Object '{objectId}' is not in the vault (never stored, expired or erased).", "objectId");
        }

        var subject = SubjectId.Parse(metadata.Subject);
        var collectedFor = PurposeId.Parse(metadata.Purpose);
        if (await DenyAsync(subject, purposeId, collectedFor, cancellationToken).ConfigureAwait(false) is { } denied)
        {
            return denied;
        }

        if (Decrypt(metadata) is not { } payload)
        {
            return new GovernanceError(GovernanceErrorKind.Refused, $"Object '{objectId}' cannot be decrypted: its subject's data key was destroyed or the file was altered.", "objectId");
        }

        await _audit.RecordAsync(
            [new AuditEvent(actor, AuditAction.Read, DataCategory.Parse(metadata.Category), subject, purposeId, from: "vault:objects", to: "reader:" + purposeId, reference: metadata.Id)],
            cancellationToken).ConfigureAwait(false);
        return new VaultContent(metadata, payload);
    }

    /// <summary>Records a new version of a training purpose's minimisation policy.</summary>
    public async Task<Outcome<MinimisationPolicy>> SetPolicyAsync(string purpose, double fraction, IReadOnlyList<string> stratifyBy, int? maxRecords, string justification, string approvedBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stratifyBy);
        if (!PurposeId.TryParse(purpose, out var purposeId) || await _governance.GetPurposeAsync(purposeId, cancellationToken).ConfigureAwait(false) is null)
        {
            return new GovernanceError(GovernanceErrorKind.NotFound, $"Purpose '{purpose}' is not registered.", "purpose");
        }

        if (!(fraction > 0 && fraction <= 1))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The fraction lies in (0, 1].", "fraction");
        }

        if (maxRecords is < 1)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The maximum number of records is at least 1.", "maxRecords");
        }

        if (string.IsNullOrWhiteSpace(justification) || justification.Trim().Length < MinimisationPolicy.MinJustificationLength)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, $"A policy version needs a written justification of at least {MinimisationPolicy.MinJustificationLength} characters.", "justification");
        }

        if (string.IsNullOrWhiteSpace(approvedBy))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "A policy version names who approved it.", "approvedBy");
        }

        if (stratifyBy.FirstOrDefault(k => !TokenPattern().IsMatch(k)) is { } badKey)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, $"'{badKey}' is not a label key.", "stratifyBy");
        }

        var now = _clock.GetUtcNow();
        return _catalog.InsertPolicy(version => new MinimisationPolicy(purpose, version, fraction, [.. stratifyBy], maxRecords, justification.Trim(), approvedBy.Trim(), now));
    }

    /// <summary>Every policy version, oldest first, of one purpose or of all.</summary>
    public IReadOnlyList<MinimisationPolicy> Policies(string? purpose = null) => _catalog.Policies(purpose);

    /// <summary>
    /// Selects the training subset under the purpose's latest policy (or <paramref name="version"/>): among stored
    /// objects the governance core allows for the training purpose, the deterministic stratified subset of
    /// <see cref="SubsetSelection"/>, seeded by purpose and version. The selection is recorded.
    /// </summary>
    public async Task<Outcome<SubsetSelectionResult>> SelectAsync(string purpose, int? version, CancellationToken cancellationToken)
    {
        var policies = _catalog.Policies(purpose);
        var policy = version is null ? (policies.Count > 0 ? policies[^1] : null) : policies.FirstOrDefault(p => p.Version == version);
        if (policy is null)
        {
            return new GovernanceError(GovernanceErrorKind.NotFound, $"Purpose '{purpose}' has no minimisation policy{(version is null ? "" : $" version {version}")}; training uses only a documented subset.", "purpose");
        }

        var purposeId = PurposeId.Parse(purpose);
        var now = _clock.GetUtcNow();
        var allowed = new Dictionary<(string, string), bool>();
        var eligible = new List<VaultObject>();
        foreach (var o in _catalog.Stored().Where(o => o.ExpiresAt > now))
        {
            if (!allowed.TryGetValue((o.Subject, o.Purpose), out var ok))
            {
                ok = await DenyAsync(SubjectId.Parse(o.Subject), purposeId, PurposeId.Parse(o.Purpose), cancellationToken).ConfigureAwait(false) is null;
                allowed[(o.Subject, o.Purpose)] = ok;
            }

            if (ok)
            {
                eligible.Add(o);
            }
        }

        var chosen = SubsetSelection.Choose(
            eligible.Select(o => new SelectionCandidate(o.Id, string.Join('|', policy.StratifyBy.Select(k => o.Labels.TryGetValue(k, out var v) ? v : "")))),
            policy.Fraction,
            policy.MaxRecords,
            $"{policy.Purpose}/v{policy.Version}");
        var byId = eligible.ToDictionary(o => o.Id, StringComparer.Ordinal);
        var result = new SubsetSelectionResult(policy, now, eligible.Count, chosen, [.. chosen.Select(id => byId[id].Subject).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
        _catalog.SaveSelection(result);
        return result;
    }

    /// <summary>
    /// Exports the purpose's current selection for a training run: each record is read through the gate, only the
    /// declared fields are written, ids are pseudonymised if asked, files are staged in the run's scratch area and
    /// published by one rename with a manifest. The export expires at the requested time or when its earliest record's
    /// retention ends, whichever is first. One ledger entry per record.
    /// </summary>
    public async Task<Outcome<TrainingExport>> ExportAsync(string actor, TrainingExportRequest request, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!TokenPattern().IsMatch(request.Run ?? "") || request.Run!.Contains(':', StringComparison.Ordinal))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "A run name is 1-64 characters of a-z, 0-9, '.', '_' and '-'.", "run");
        }

        if (request.Fields is null || request.Fields.Count == 0 || request.Fields.Any(f => !IsKnownField(f)))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, $"Declare the fields the run needs, from {string.Join(", ", TrainingExportRequest.KnownFields)} and label:KEY.", "fields");
        }

        if (_catalog.ExportExists(request.Run) || Directory.Exists(Path.Combine(ExportsFolder, request.Run)))
        {
            return new GovernanceError(GovernanceErrorKind.Conflict, $"Run '{request.Run}' already has an export.", "run");
        }

        var selection = await SelectAsync(request.Purpose, null, cancellationToken).ConfigureAwait(false);
        if (!selection.Succeeded)
        {
            return selection.Error;
        }

        var now = _clock.GetUtcNow();
        var pseudonymKey = request.Pseudonymise ? RandomNumberGenerator.GetBytes(32) : null;
        var scratch = ScratchFolder(request.Run);
        var staging = Path.Combine(scratch, "staging-" + Guid.NewGuid().ToString("N"));
        OwnerOnlyFiles.CreateDirectory(Path.Combine(staging, "payload"));
        var members = new List<(string ObjectId, string Subject, string RecordId)>();
        var events = new List<AuditEvent>();
        var expiresAt = now + (request.ExpiresAfter ?? TimeSpan.FromDays(30));
        try
        {
            var lines = new StringBuilder();
            foreach (var id in selection.Value.ObjectIds)
            {
                var read = await ReadAsync(actor, id, request.Purpose, cancellationToken).ConfigureAwait(false);
                if (!read.Succeeded)
                {
                    continue; // withdrawn or shredded since the selection: left out, not exported
                }

                var o = read.Value.Metadata;
                var recordId = pseudonymKey is null ? o.Id : Pseudonym(pseudonymKey, "object", o.Id);
                var record = new SortedDictionary<string, object?>(StringComparer.Ordinal) { ["id"] = recordId };
                foreach (var field in request.Fields.Distinct(StringComparer.Ordinal))
                {
                    switch (field)
                    {
                        case "payload":
                            OwnerOnlyFiles.WriteAtomically(Path.Combine(staging, "payload", recordId + ".bin"), read.Value.Payload);
                            record["payload"] = $"payload/{recordId}.bin";
                            break;
                        case "subject":
                            record["subject"] = pseudonymKey is null ? o.Subject : Pseudonym(pseudonymKey, "subject", o.Subject);
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
                lines.Append(JsonSerializer.Serialize(record)).Append('\n');
                members.Add((o.Id, o.Subject, recordId));
                events.Add(new AuditEvent(actor, AuditAction.Export, DataCategory.Parse(o.Category), SubjectId.Parse(o.Subject), PurposeId.Parse(request.Purpose), from: "vault:objects", to: "export:" + request.Run, reference: o.Id));
                expiresAt = expiresAt < o.ExpiresAt ? expiresAt : o.ExpiresAt;
                progress?.Report(members.Count);
            }

            var export = new TrainingExport(request.Run, request.Purpose, selection.Value.Policy.Version, [.. request.Fields.Distinct(StringComparer.Ordinal)], pseudonymKey is not null,
                now, expiresAt, now + (request.ScratchDeadline ?? TimeSpan.FromHours(24)), members.Count, ExportState.Open);
            OwnerOnlyFiles.WriteAtomically(Path.Combine(staging, "records.jsonl"), Encoding.UTF8.GetBytes(lines.ToString()));
            WriteManifest(staging, export);
            if (events.Count > 0)
            {
                await _audit.RecordAsync(events, cancellationToken).ConfigureAwait(false);
            }

            OwnerOnlyFiles.CreateDirectory(ExportsFolder);
            Directory.Move(staging, Path.Combine(ExportsFolder, request.Run));
            _catalog.InsertExport(export, pseudonymKey is null ? null : Wrap(pseudonymKey, "export:" + request.Run), members);
            return export;
        }
        finally
        {
            OwnerOnlyFiles.DeleteDirectory(staging);
            if (pseudonymKey is not null)
            {
                CryptographicOperations.ZeroMemory(pseudonymKey);
            }
        }
    }

    /// <summary>Every export, oldest first.</summary>
    public IReadOnlyList<TrainingExport> Exports() => _catalog.Exports();

    /// <summary>Closes a training run: its scratch area is overwritten and deleted; the export stays until it expires.</summary>
    public async Task<Outcome<TrainingExport>> CloseRunAsync(string actor, string run, CancellationToken cancellationToken)
    {
        var export = _catalog.Exports().FirstOrDefault(e => e.Run == run);
        if (export is null)
        {
            return new GovernanceError(GovernanceErrorKind.NotFound, $"Run '{run}' has no export.", "run");
        }

        await DeleteScratchAsync(actor, export, cancellationToken).ConfigureAwait(false);
        return _catalog.Exports().First(e => e.Run == run);
    }

    /// <summary>
    /// Crypto-shreds a subject (consent withdrawal or an Art. 17 erasure request): the data key is destroyed, the
    /// subject's files are deleted, and their records are removed from every export. Returns the objects deleted.
    /// </summary>
    public Task<Outcome<int>> ShredSubjectAsync(string actor, string subject, string reason, CancellationToken cancellationToken) =>
        ShredSubjectsAsync(actor, [subject], reason, null, cancellationToken);

    /// <summary>
    /// Crypto-shreds many subjects, 1,000 per catalogue transaction and ledger append; progress reports subjects done.
    /// Returns the objects deleted.
    /// </summary>
    public async Task<Outcome<int>> ShredSubjectsAsync(string actor, IReadOnlyList<string> subjects, string reason, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        if (subjects.FirstOrDefault(s => !SubjectId.TryParse(s, out _)) is { } bad)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, $"'{bad}' is not a valid subject id.", "subject");
        }

        if (reason is not ("withdrawal" or "erasure"))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The reason is 'withdrawal' or 'erasure'.", "reason");
        }

        var deleted = 0;
        var done = 0;
        foreach (var chunk in subjects.Distinct(StringComparer.Ordinal).Chunk(1000))
        {
            var objects = _catalog.OfSubjects(chunk);
            await DeleteAsync(actor, objects, reason, chunk, cancellationToken).ConfigureAwait(false);
            foreach (var subject in chunk)
            {
                await RemoveFromExportsAsync(actor, SubjectId.Parse(subject), reason, null, cancellationToken).ConfigureAwait(false);
            }

            deleted += objects.Count;
            done += chunk.Length;
            progress?.Report(done);
        }

        return deleted;
    }

    /// <summary>
    /// The retention job: deletes objects past their retention period and objects whose subject withdrew consent or
    /// objected, destroys the data key of every subject left with no object, deletes expired exports with their
    /// pseudonymisation keys, and deletes scratch areas past their deadline.
    /// </summary>
    public async Task<RetentionReport> RunRetentionAsync(string actor, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var expired = _catalog.ExpiredAt(now);
        var shredded = await DeleteAsync(actor, expired, "retention", [], cancellationToken).ConfigureAwait(false);

        var withdrawn = new List<VaultObject>();
        foreach (var group in _catalog.Stored().GroupBy(o => (o.Subject, o.Purpose)))
        {
            var decision = await _governance.AuthorizeAsync(SubjectId.Parse(group.Key.Subject), PurposeId.Parse(group.Key.Purpose), null, cancellationToken).ConfigureAwait(false);
            if (decision.Reasons.Any(r => r is DenialReason.ConsentWithdrawn or DenialReason.Objected))
            {
                withdrawn.AddRange(group);
            }
        }

        var withdrawnShredded = await DeleteAsync(actor, withdrawn, "withdrawal", [], cancellationToken).ConfigureAwait(false);
        foreach (var group in withdrawn.GroupBy(o => o.Subject, StringComparer.Ordinal))
        {
            await RemoveFromExportsAsync(actor, SubjectId.Parse(group.Key), "withdrawal", group.Select(o => o.Id).ToHashSet(StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
        }

        var expiredExports = 0;
        var scratchDeleted = 0;
        foreach (var export in _catalog.Exports().Where(e => e.State != ExportState.Deleted))
        {
            if (export.ExpiresAt <= now)
            {
                await DeleteExportAsync(actor, export, cancellationToken).ConfigureAwait(false);
                expiredExports++;
            }
            else if (export.State == ExportState.Open && export.ScratchDeadline <= now)
            {
                await DeleteScratchAsync(actor, export, cancellationToken).ConfigureAwait(false);
                scratchDeleted++;
            }
        }

        return new RetentionReport(expired.Count, withdrawn.Count, shredded.Count + withdrawnShredded.Count, expiredExports, scratchDeleted);
    }

    /// <summary>The DPO report: what is stored per purpose, how much was used for training against what was eligible, exports, and deletions.</summary>
    public VaultReport Report()
    {
        var stored = _catalog.Stored()
            .GroupBy(o => o.Purpose)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new StoredPerPurpose(g.Key, g.Count(), g.Select(o => o.Subject).Distinct().Count(), g.Sum(o => o.Size), g.Min(o => o.CollectedAt), g.Min(o => o.ExpiresAt)))
            .ToArray();
        var policies = _catalog.Policies(null);
        var training = _catalog.LatestSelections()
            .Select(s => (s, Policy: policies.First(p => p.Purpose == s.Purpose && p.Version == s.Version)))
            .Select(x => new TrainingUse(x.s.Purpose, x.s.Version, x.Policy.Fraction, x.Policy.MaxRecords, x.s.Eligible, x.s.Selected, x.s.At))
            .ToArray();
        return new VaultReport(_clock.GetUtcNow(), stored, training, _catalog.Exports(),
            [.. _catalog.DeletionSummary().Select(d => new DeletionSummary(d.Reason, d.Count, d.Bytes, d.Last))]);
    }

    /// <summary>Checks that every stored object decrypts and matches its catalogue entry and that no crash debris is left.</summary>
    public VaultCheckReport Check()
    {
        var problems = new List<string>();
        var stored = _catalog.Stored();
        var readable = 0;
        foreach (var o in stored)
        {
            var payload = Decrypt(o);
            if (payload is null)
            {
                problems.Add($"{o.Id}: unreadable (missing file or key, or altered)");
            }
            else
            {
                readable++;
                CryptographicOperations.ZeroMemory(payload);
            }
        }

        problems.AddRange(_catalog.Pending().Select(o => $"{o.Id}: ingest not finished"));
        problems.AddRange(Directory.EnumerateFiles(Path.Combine(_root, "objects"), "*.tmp", SearchOption.AllDirectories).Select(f => $"{Path.GetFileName(f)}: leftover temporary file"));
        problems.AddRange(Directory.EnumerateFiles(Path.Combine(_root, "objects"), "*.obj", SearchOption.AllDirectories)
            .Where(f => !_catalog.Exists(Path.GetFileNameWithoutExtension(f))).Select(f => $"{Path.GetFileName(f)}: file without a catalogue entry"));
        return new VaultCheckReport(stored.Count, readable, problems);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_kek);
        _catalog.Dispose();
    }

    /// <summary>For the shredding benchmark: gives each subject a data key, in one transaction, without any object.</summary>
    internal void CreateKeysForBenchmark(IEnumerable<string> subjects) =>
        _catalog.InsertWrappedKeys(subjects.Select(s => (s, Wrap(RandomNumberGenerator.GetBytes(32), "subject:" + s))), _clock.GetUtcNow());

    // ---- internals ----

    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        foreach (var temporary in Directory.EnumerateFiles(Path.Combine(_root, "objects"), "*.tmp", SearchOption.AllDirectories).ToArray())
        {
            File.Delete(temporary);
        }

        var pending = _catalog.Pending();
        if (pending.Count > 0)
        {
            await DeleteAsync("svc:vault-recovery", pending, "recovery", [], cancellationToken).ConfigureAwait(false);
        }

        foreach (var orphan in Directory.EnumerateFiles(Path.Combine(_root, "objects"), "*.obj", SearchOption.AllDirectories).ToArray())
        {
            if (!_catalog.Exists(Path.GetFileNameWithoutExtension(orphan)))
            {
                OwnerOnlyFiles.Delete(orphan);
            }
        }

        var scratch = Path.Combine(_root, "scratch");
        if (Directory.Exists(scratch))
        {
            foreach (var staging in Directory.EnumerateDirectories(scratch, "staging-*", SearchOption.AllDirectories).ToArray())
            {
                OwnerOnlyFiles.DeleteDirectory(staging);
            }
        }
    }

    /// <summary>Deletes objects (files, catalogue rows, ledger) and destroys keys left unused; returns the subjects shredded.</summary>
    private async Task<IReadOnlyList<string>> DeleteAsync(string actor, IReadOnlyList<VaultObject> objects, string reason, string[] alsoShred, CancellationToken cancellationToken)
    {
        var shredded = new List<string>();
        var chunks = objects.Chunk(1000).Select(c => (Objects: c, AlsoShred: (IReadOnlyList<string>)[])).ToList();
        if (alsoShred.Length > 0)
        {
            chunks.Add(([], alsoShred)); // keys of subjects with no object left, after all their objects are gone
        }

        foreach (var (chunk, extra) in chunks)
        {
            var destroyed = _catalog.DeleteObjects(chunk, reason, _clock.GetUtcNow(), extra);
            foreach (var o in chunk)
            {
                OwnerOnlyFiles.Delete(ObjectPath(o.Id));
            }

            var events = chunk.Select(o => new AuditEvent(actor, AuditAction.Delete, DataCategory.Parse(o.Category), SubjectId.Parse(o.Subject), PurposeId.Parse(o.Purpose), from: "vault:objects", to: reason, reference: o.Id))
                .Concat(destroyed.Select(s => new AuditEvent(actor, AuditAction.Delete, KeyCategory, SubjectId.Parse(s), null, from: "vault:keys", to: reason, reference: "data-key")))
                .ToArray();
            if (events.Length > 0)
            {
                await _audit.RecordAsync(events, cancellationToken).ConfigureAwait(false);
            }

            shredded.AddRange(destroyed);
        }

        return shredded;
    }

    /// <summary>Removes the subject's records (or only those of <paramref name="onlyObjects"/>) from every export still held.</summary>
    private async Task RemoveFromExportsAsync(string actor, SubjectId subject, string reason, HashSet<string>? onlyObjects, CancellationToken cancellationToken)
    {
        foreach (var run in _catalog.MembersOf(subject.ToString()).Where(m => onlyObjects is null || onlyObjects.Contains(m.ObjectId)).GroupBy(m => m.Run))
        {
            var folder = Path.Combine(ExportsFolder, run.Key);
            var recordIds = run.Select(m => m.RecordId).ToHashSet(StringComparer.Ordinal);
            var recordsPath = Path.Combine(folder, "records.jsonl");
            if (File.Exists(recordsPath))
            {
                var kept = File.ReadAllLines(recordsPath).Where(line => !recordIds.Contains(RecordId(line)));
                var text = string.Concat(kept.Select(l => l + "\n"));
                OwnerOnlyFiles.Delete(recordsPath);
                OwnerOnlyFiles.WriteAtomically(recordsPath, Encoding.UTF8.GetBytes(text));
            }

            foreach (var recordId in recordIds)
            {
                OwnerOnlyFiles.Delete(Path.Combine(folder, "payload", recordId + ".bin"));
            }

            _catalog.RemoveMembers(run.Key, [.. run.Select(m => m.ObjectId)]);
            var export = _catalog.Exports().First(e => e.Run == run.Key);
            if (Directory.Exists(folder))
            {
                WriteManifest(folder, export);
            }

            await _audit.RecordAsync(
                [.. run.Select(m => new AuditEvent(actor, AuditAction.Delete, ExportCategory, subject, PurposeId.Parse(export.Purpose), from: "export:" + run.Key, to: reason, reference: m.ObjectId))],
                cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DeleteExportAsync(string actor, TrainingExport export, CancellationToken cancellationToken)
    {
        await DeleteScratchAsync(actor, export, cancellationToken).ConfigureAwait(false);
        OwnerOnlyFiles.DeleteDirectory(Path.Combine(ExportsFolder, export.Run));
        _catalog.SetExportState(export.Run, ExportState.Deleted);
        await _audit.RecordAsync(
            [new AuditEvent(actor, AuditAction.Delete, ExportCategory, null, PurposeId.Parse(export.Purpose), from: "export:" + export.Run, to: "retention", reference: export.Run)],
            cancellationToken).ConfigureAwait(false);
    }

    private async Task DeleteScratchAsync(string actor, TrainingExport export, CancellationToken cancellationToken)
    {
        if (export.State != ExportState.Open)
        {
            return;
        }

        var files = OwnerOnlyFiles.DeleteDirectory(ScratchFolder(export.Run));
        _catalog.SetExportState(export.Run, ExportState.Closed);
        await _audit.RecordAsync(
            [new AuditEvent(actor, AuditAction.Delete, ScratchCategory, null, PurposeId.Parse(export.Purpose), from: "vault:scratch/" + export.Run, to: $"closed:{files}-files", reference: export.Run)],
            cancellationToken).ConfigureAwait(false);
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
            purpose = export.Purpose,
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

    /// <summary>
    /// Null when the subject's data may be processed for <paramref name="purpose"/>. Data reused from the purpose it was
    /// collected for must also still be lawfully held for that purpose: once consent for the collection is withdrawn
    /// or the subject objects to it, the data serves no purpose at all (Art. 17(1)(b)).
    /// </summary>
    private async Task<GovernanceError?> DenyAsync(SubjectId subject, PurposeId purpose, PurposeId? collectedFor, CancellationToken cancellationToken)
    {
        var reuse = collectedFor is { } c && c != purpose ? collectedFor : null;
        var decision = await _governance.AuthorizeAsync(subject, purpose, reuse, cancellationToken).ConfigureAwait(false);
        var reasons = decision.Reasons.ToList();
        if (reuse is { } source)
        {
            reasons.AddRange((await _governance.AuthorizeAsync(subject, source, null, cancellationToken).ConfigureAwait(false)).Reasons);
        }

        return reasons.Count == 0
            ? null
            : new GovernanceError(GovernanceErrorKind.Refused, $"Processing for '{purpose}' is not allowed: {string.Join(", ", reasons.Distinct())}.", "purpose");
    }

    private byte[]? Decrypt(VaultObject metadata)
    {
        var key = SubjectKey(metadata.Subject, create: false);
        var path = ObjectPath(metadata.Id);
        if (key is null || !File.Exists(path))
        {
            return null;
        }

        try
        {
            return VaultFormat.TryOpen(File.ReadAllBytes(path), key, out var header, out var payload) && header is not null
                && header.Id == metadata.Id && header.Subject == metadata.Subject && header.Purpose == metadata.Purpose && header.ExpiresAt == metadata.ExpiresAt
                ? payload
                : null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private byte[]? SubjectKey(string subject, bool create)
    {
        var wrapped = _catalog.FindWrappedKey(subject);
        if (wrapped is null)
        {
            if (!create)
            {
                return null;
            }

            var fresh = RandomNumberGenerator.GetBytes(32);
            wrapped = _catalog.EnsureWrappedKey(subject, Wrap(fresh, "subject:" + subject), _clock.GetUtcNow());
            CryptographicOperations.ZeroMemory(fresh);
        }

        return Unwrap(wrapped, "subject:" + subject);
    }

    private byte[] Wrap(ReadOnlySpan<byte> key, string binding)
    {
        var wrapped = new byte[12 + 16 + key.Length];
        RandomNumberGenerator.Fill(wrapped.AsSpan(0, 12));
        using var aes = new AesGcm(_kek, 16);
        aes.Encrypt(wrapped.AsSpan(0, 12), key, wrapped.AsSpan(28), wrapped.AsSpan(12, 16), Encoding.UTF8.GetBytes("obscura/vault/key/v1\n" + binding));
        return wrapped;
    }

    private byte[] Unwrap(byte[] wrapped, string binding)
    {
        var key = new byte[wrapped.Length - 28];
        using var aes = new AesGcm(_kek, 16);
        try
        {
            aes.Decrypt(wrapped.AsSpan(0, 12), wrapped.AsSpan(28), wrapped.AsSpan(12, 16), key, Encoding.UTF8.GetBytes("obscura/vault/key/v1\n" + binding));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new CryptographicException("A wrapped data key failed authentication: the vault's key file or catalogue was altered or swapped.");
        }

        return key;
    }

    private static string RecordId(string jsonLine)
    {
        using var record = JsonDocument.Parse(jsonLine);
        return record.RootElement.GetProperty("id").GetString()!;
    }

    private static string Pseudonym(byte[] key, string kind, string value) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(kind + "\n" + value)).AsSpan(0, 16));

    private string ObjectPath(string id) => Path.Combine(_root, "objects", id.Substring(4, 2), id + ".obj");

    private static bool IsKnownField(string field) =>
        TrainingExportRequest.KnownFields.Contains(field) || (field.StartsWith("label:", StringComparison.Ordinal) && TokenPattern().IsMatch(field["label:".Length..]));

    private static GovernanceError? Validate(VaultIngestRequest r)
    {
        if (!SubjectId.TryParse(r.Subject, out _))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The subject is not a valid subject id.", "subject");
        }

        if (!PurposeId.TryParse(r.Purpose, out _))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The purpose is not a valid purpose id.", "purpose");
        }

        if (r.Payload is null || r.Payload.Length == 0 || r.Payload.Length > VaultFormat.MaxPayloadBytes)
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, $"The payload is 1 byte to {VaultFormat.MaxPayloadBytes / (1024 * 1024)} MiB.", "payload");
        }

        if (!SourcePattern().IsMatch(r.Source ?? ""))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The source is 1-128 characters of letters, digits and ._:-.", "source");
        }

        if (string.IsNullOrWhiteSpace(r.ContentType) || r.ContentType.Length > 100 || !r.ContentType.Contains('/', StringComparison.Ordinal))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The content type is a media type such as image/jpeg.", "contentType");
        }

        if (!DataCategory.TryParse(r.Category, out _))
        {
            return new GovernanceError(GovernanceErrorKind.Invalid, "The category is a data-category slug such as face-image.", "category");
        }

        return r.Labels?.FirstOrDefault(l => !TokenPattern().IsMatch(l.Key) || !TokenPattern().IsMatch(l.Value)) is { Key: not null } bad
            ? new GovernanceError(GovernanceErrorKind.Invalid, $"Label '{bad.Key}' is not a short token pair (keys and values: 1-64 of a-z, 0-9, '.', '_', '-').", "labels")
            : null;
    }

    private static string CheckToken(string value, string name) =>
        TokenPattern().IsMatch(value ?? "") ? value! : throw new ArgumentException("Expected 1-64 characters of a-z, 0-9, '.', '_' and '-'.", name);

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
    private static partial Regex SourcePattern();
}
