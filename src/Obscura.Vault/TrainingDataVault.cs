using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.Security.Files;
using Obscura.Security.Keys;
using Obscura.Vault.Internal;

namespace Obscura.Vault;

/// <summary>
/// The training-data vault. Each blob is encrypted with AES-256-GCM under its subject's data key, kept in a
/// crypto-shredding key store whose key-encryption key changes with every destruction, so destroying a subject's key
/// makes every copy of their blobs unreadable, restored backups of the vault included (as long as the key store's KEK
/// folder is not in the backup). Every ingest and read is gated by the governance core (declared data category, lawful
/// basis, live and for special categories explicit consent, Art. 6(4) assessment for reuse); training uses only the
/// subset a versioned minimisation policy selects, exported with only the declared fields; retention, withdrawal and
/// erasure delete data on time; and every ingest, read, export, copy and deletion is appended to the audit ledger.
/// Several processes may open one vault folder at once (the server and the command line): each holds a writer lease,
/// and recovery only ever rolls back the unfinished work of a writer that is gone.
/// </summary>
public sealed class TrainingDataVault : IDisposable
{
    private readonly VaultRuntime _runtime;
    private readonly VaultObjects _objects;
    private readonly TrainingSelection _selection;
    private readonly TrainingExports _exports;
    private readonly Shredding _shredding;
    private readonly VaultRecovery _recovery;
    private int _disposed;

    private TrainingDataVault(VaultRuntime runtime)
    {
        _runtime = runtime;
        var gate = new AccessGate(runtime.Governance);
        var deletion = new ObjectDeletion(runtime);
        _objects = new VaultObjects(runtime, gate);
        _selection = new TrainingSelection(runtime, gate);
        _exports = new TrainingExports(runtime, _objects, _selection);
        _recovery = new VaultRecovery(runtime, deletion, _exports, _objects);
        _shredding = new Shredding(runtime, deletion, _exports, _recovery);
    }

    /// <summary>The folder that holds the vault.</summary>
    public string Root => _runtime.Layout.Root;

    /// <summary>Where published exports are written: one folder per training run.</summary>
    public string ExportsFolder => _runtime.Layout.Exports;

    /// <summary>The scratch area of a training run, for its intermediate files; deleted when the run closes or at its deadline.</summary>
    /// <exception cref="ArgumentException">The run name is not 1-64 characters of a-z, 0-9, '.', '_' and '-'.</exception>
    public string ScratchFolder(string run) =>
        VaultLayout.IsToken(run) ? _runtime.Layout.ScratchFolder(run) : throw new ArgumentException("Expected 1-64 characters of a-z, 0-9, '.', '_' and '-'.", nameof(run));

    /// <summary>Opens the vault in <paramref name="folder"/> with its key-encryption keys in their default place.</summary>
    public static Task<TrainingDataVault> OpenAsync(string folder, GovernanceService governance, AuditTrail audit, TimeProvider? clock, CancellationToken cancellationToken) =>
        OpenAsync(folder, null, governance, audit, clock, cancellationToken);

    /// <summary>
    /// Opens (creating if needed) the vault in <paramref name="folder"/>, takes a writer lease for this process, and
    /// recovers what crashed processes left: their unfinished ingests and exports are rolled back and recorded as
    /// deletions in the ledger, torn files are deleted. Work of processes that are still running is left alone.
    /// </summary>
    /// <exception cref="InvalidDataException">The vault was made by an earlier version, or its key store cannot be read.</exception>
    public static async Task<TrainingDataVault> OpenAsync(string folder, VaultOptions? options, GovernanceService governance, AuditTrail audit, TimeProvider? clock, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(governance);
        ArgumentNullException.ThrowIfNull(audit);
        var layout = new VaultLayout(Path.GetFullPath(folder), options?.KeyEncryptionKeyFolder is { } kek ? Path.GetFullPath(kek) : null);
        // A vault restored by 'cp -r' (no -p) or left by an older version is narrowed as a whole; then each part on its own.
        OwnerOnlyFiles.RestrictTreeIfWide(layout.Root);
        OwnerOnlyFiles.CreateDirectory(layout.Objects);
        var time = clock ?? TimeProvider.System;
        var disposables = new List<IDisposable>();
        try
        {
            var catalog = options?.PostgresCatalog is { } postgres
                ? VaultCatalog.OpenPostgres(postgres, options.PostgresCatalogLocation ?? "PostgreSQL", layout.Root)
                : VaultCatalog.Open(layout.Catalog);
            disposables.Add(catalog);
            var store = ShreddingKeyStore.Open(layout.KeyStore, layout.KeyEncryptionKeys);
            disposables.Add(store);
            var lease = WriterLease.Acquire(layout);
            disposables.Add(lease);
            var vault = new TrainingDataVault(new VaultRuntime(layout, catalog, new VaultKeyRing(store, catalog, time), lease, governance, audit, time));
            disposables.Clear();
            try
            {
                await vault._recovery.RecoverAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                vault.Dispose();
                throw;
            }

            return vault;
        }
        finally
        {
            foreach (var opened in Enumerable.Reverse(disposables))
            {
                opened.Dispose();
            }
        }
    }

    /// <summary>
    /// Moves the catalogue of the vault in <paramref name="folder"/> from its <c>vault.db</c> into the PostgreSQL
    /// database of <paramref name="target"/> (for <c>obscura migrate</c>; see <see cref="VaultOptions.PostgresCatalog"/>):
    /// the folder is marked first (this build then opens its vault.db nowhere), then every row is copied as stored, in
    /// one PostgreSQL transaction under the catalogue's writer lock. An interrupted move is finished by calling this
    /// again; a finished one is checked (the database holds exactly the file's rows) and reported complete. Stop every
    /// process that has the vault open first. The blobs, keys and exports stay in the folder.
    /// </summary>
    /// <returns>The rows moved, or <see langword="null"/> when the folder has no vault.db (nothing to move).</returns>
    /// <exception cref="InvalidOperationException">The database holds another vault catalogue, or one that took writes since the move.</exception>
    /// <exception cref="InvalidDataException">vault.db is not at this build's schema version.</exception>
    public static VaultCatalogMove? MoveCatalogToPostgres(string folder, System.Data.Common.DbDataSource target, string location)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        return VaultCatalog.MoveToPostgres(Path.GetFullPath(folder), target, location) is { } moved ? new VaultCatalogMove(moved.Rows, moved.AlreadyComplete) : null;
    }

    /// <summary>
    /// Stores a blob for a purpose. Every field is validated and the gate decides before anything is written: the purpose
    /// must declare the category, a special category (Art. 9) needs the purpose's Art. 9(2) condition and, for explicit
    /// consent, the subject's explicit consent; the lawful basis must hold and consent be live.
    /// </summary>
    /// <returns>The stored object, or the refusal (Invalid, NotFound or Refused with the reasons).</returns>
    /// <exception cref="ArgumentException"><paramref name="actor"/> is not a ledger token.</exception>
    public Task<Outcome<VaultObject>> IngestAsync(string actor, VaultIngestRequest request, CancellationToken cancellationToken) =>
        _objects.IngestAsync(actor, request, cancellationToken);

    /// <summary>
    /// Reads a blob for <paramref name="purpose"/>: allowed when the purpose declares the blob's category and the
    /// governance core allows processing the subject's data for it (including an Art. 6(4) assessment when the purpose is
    /// not the one the data was collected for, which must itself still be lawful).
    /// </summary>
    public Task<Outcome<VaultContent>> ReadAsync(string actor, string objectId, PurposeId purpose, CancellationToken cancellationToken) =>
        _objects.ReadAsync(actor, objectId, purpose, cancellationToken);

    /// <summary>Records a new version of a training purpose's minimisation policy, with no restriction on export fields.</summary>
    public Task<Outcome<MinimisationPolicy>> SetPolicyAsync(string actor, PurposeId purpose, double fraction, IReadOnlyList<string> stratifyBy, int? maxRecords, string justification, string approvedBy, CancellationToken cancellationToken) =>
        _selection.SetPolicyAsync(actor, purpose, fraction, stratifyBy, maxRecords, justification, approvedBy, null, cancellationToken);

    /// <summary>
    /// Records a new version of a training purpose's minimisation policy. When <paramref name="allowedFields"/> is given,
    /// exports under this version may contain only those fields (see <see cref="MinimisationPolicy.AllowedFields"/>);
    /// each must be an export field (<see cref="TrainingExportRequest.KnownFields"/> or <c>label:KEY</c>), duplicates
    /// are dropped, and the list names at least one field.
    /// The version and its ledger entry (<c>Create</c> of <c>minimisation-policy</c> by <paramref name="actor"/>, with a
    /// SHA-256 commitment to the whole version) commit together; <c>vault check</c> compares every version with its entry.
    /// </summary>
    /// <returns>The new version, or the refusal (NotFound for an unregistered purpose, Invalid naming the bad argument).</returns>
    /// <exception cref="ArgumentException"><paramref name="actor"/> is not a ledger token.</exception>
    public Task<Outcome<MinimisationPolicy>> SetPolicyAsync(string actor, PurposeId purpose, double fraction, IReadOnlyList<string> stratifyBy, int? maxRecords, string justification, string approvedBy, IReadOnlyList<string>? allowedFields, CancellationToken cancellationToken) =>
        _selection.SetPolicyAsync(actor, purpose, fraction, stratifyBy, maxRecords, justification, approvedBy, allowedFields, cancellationToken);

    /// <summary>Every policy version, oldest first, of one purpose or of all.</summary>
    public IReadOnlyList<MinimisationPolicy> Policies(PurposeId? purpose = null) => _selection.Policies(purpose);

    /// <summary>
    /// Selects the training subset under the purpose's latest policy (or <paramref name="version"/>): among stored
    /// objects the gate allows for the training purpose, the deterministic stratified subset of
    /// <see cref="SubsetSelection"/>, seeded by purpose and version. The selection is recorded.
    /// </summary>
    public Task<Outcome<SubsetSelectionResult>> SelectAsync(PurposeId purpose, int? version, CancellationToken cancellationToken) =>
        _selection.SelectAsync(purpose, version, cancellationToken);

    /// <summary>
    /// Exports the purpose's current selection for a training run: each record is read through the gate, only the
    /// declared fields are written, ids are pseudonymised if asked, files are staged in the run's scratch area and
    /// published by one rename with a manifest. The export expires at the requested time or when its earliest record's
    /// retention ends, whichever is first. One ledger entry per record.
    /// </summary>
    public Task<Outcome<TrainingExport>> ExportAsync(string actor, TrainingExportRequest request, IProgress<int>? progress, CancellationToken cancellationToken) =>
        _exports.ExportAsync(actor, request, progress, cancellationToken);

    /// <summary>Every published export, oldest first.</summary>
    public IReadOnlyList<TrainingExport> Exports() => _runtime.Catalog.Exports();

    /// <summary>Closes a training run: its scratch area is overwritten and deleted; the export stays until it expires.</summary>
    public Task<Outcome<TrainingExport>> CloseRunAsync(string actor, string run, CancellationToken cancellationToken) =>
        _exports.CloseRunAsync(actor, run, cancellationToken);

    /// <summary>
    /// Crypto-shreds a subject (consent withdrawal or an Art. 17 erasure request): the subject's files are deleted, their
    /// records are removed from every export, and their data key is destroyed in a new key-store epoch. Returns the
    /// objects deleted.
    /// </summary>
    public Task<Outcome<int>> ShredSubjectAsync(string actor, SubjectId subject, string reason, CancellationToken cancellationToken) =>
        ShredSubjectsAsync(actor, [subject], reason, null, cancellationToken);

    /// <summary>
    /// Crypto-shreds many subjects, 1,000 per catalogue transaction, every key in one key-store epoch; progress reports
    /// subjects done. Returns the objects deleted.
    /// </summary>
    public Task<Outcome<int>> ShredSubjectsAsync(string actor, IReadOnlyList<SubjectId> subjects, string reason, IProgress<int>? progress, CancellationToken cancellationToken) =>
        _shredding.ShredSubjectsAsync(actor, subjects, reason, progress, cancellationToken);

    /// <summary>
    /// The retention job: recovers what dead processes left, deletes objects past their retention period and objects
    /// whose subject withdrew consent or objected, destroys the data key of every subject left with no object (all in
    /// one key-store epoch), deletes expired exports with their pseudonymisation keys, and deletes scratch areas past
    /// their deadline.
    /// </summary>
    public Task<RetentionReport> RunRetentionAsync(string actor, CancellationToken cancellationToken) =>
        _shredding.RunRetentionAsync(actor, cancellationToken);

    /// <summary>The DPO report: what is stored per purpose, how much was used for training against what was eligible, exports, and deletions.</summary>
    public VaultReport Report()
    {
        var catalog = _runtime.Catalog;
        var stored = catalog.Stored()
            .Select(r => r.Metadata)
            .GroupBy(o => o.Purpose)
            .OrderBy(g => g.Key.Value, StringComparer.Ordinal)
            .Select(g => new StoredPerPurpose(g.Key, g.Count(), g.Select(o => o.Subject).Distinct().Count(), g.Sum(o => o.Size), g.Min(o => o.CollectedAt), g.Min(o => o.ExpiresAt)))
            .ToArray();
        var policies = catalog.Policies(null);
        var training = catalog.LatestSelections()
            .Select(s => (s, Policy: policies.First(p => p.Purpose == s.Purpose && p.Version == s.Version)))
            .Select(x => new TrainingUse(x.s.Purpose, x.s.Version, x.Policy.Fraction, x.Policy.MaxRecords, x.s.Eligible, x.s.Selected, x.s.At))
            .ToArray();
        return new VaultReport(_runtime.Now, stored, training, catalog.Exports(),
            [.. catalog.DeletionSummary().Select(d => new DeletionSummary(d.Reason, d.Count, d.Bytes, d.Last))]);
    }

    /// <summary>
    /// Recovers what dead processes left, then checks that every stored object decrypts and matches its catalogue entry
    /// and that no debris is left. Ingests that live processes are in the middle of are counted, not reported.
    /// </summary>
    public Task<VaultCheckReport> CheckAsync(CancellationToken cancellationToken) => _recovery.CheckAsync(cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _runtime.Dispose();
        }
    }

    /// <summary>For tests: this process's writer id (the name of its lease in <c>writers/</c>).</summary>
    internal string WriterId => _runtime.Writer;

    /// <summary>For the shredding benchmark: gives each subject a data key, in one transaction, without any object.</summary>
    internal void CreateKeysForBenchmark(IReadOnlyList<SubjectId> subjects) => _runtime.Keys.CreateSubjectKeys(subjects);
}
