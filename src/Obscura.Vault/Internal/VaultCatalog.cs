using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.Security.Files;

namespace Obscura.Vault.Internal;

/// <summary>
/// The vault's index: object metadata and state, which data key each subject uses, retired keys, minimisation
/// policies, selections, exports, the deletion log and the ledger outbox. The blobs are files and the keys are in the
/// key store. It lives in the vault folder's SQLite file <c>vault.db</c> (the default), or in tables of its own
/// (<c>vault_*</c>) in the deployment's PostgreSQL database (see <see cref="PostgresCatalogBackend"/>). Several processes
/// share it: every write is one transaction that holds the catalogue's single-writer lock from its start
/// (<see cref="CatalogBackend.BeginWrite"/>), so writers of every process run one at a time and none fails on upgrading
/// a read lock. The statements are written once, in SQLite's spelling; the backend translates them.
/// </summary>
internal sealed class VaultCatalog : IDisposable
{
    /// <summary>
    /// The schema this version reads and writes (<c>PRAGMA user_version</c>). Version 3 added
    /// <c>policies.allowed_fields</c>; version 4 records every policy version in the audit ledger (the step to it stages
    /// the entries of the versions written before). An older file is migrated in place when it is opened. On
    /// PostgreSQL the versions are rows of <c>vault_schema_migrations</c>, the same numbers; its first schema is version 4.
    /// </summary>
    public const int SchemaVersion = 4;

    /// <summary>The oldest schema this version migrates (version 1 kept wrapped data keys inside vault.db).</summary>
    public const int OldestMigratedSchemaVersion = 2;

    /// <summary>The file in the vault folder that names the PostgreSQL catalogue the folder belongs to (by the id of that catalogue).</summary>
    public const string PostgresMarkerFileName = "catalog.postgres";

    private const string ObjectColumns = "id, subject, purpose, collected_at, expires_at, source, content_type, category, labels, size, key_id, writer, state";
    private readonly CatalogBackend _backend;
    private readonly Lock _writeLock = new();

    private VaultCatalog(CatalogBackend backend) => _backend = backend;

    /// <summary>Where the catalogue lives, for messages: the file's path or the PostgreSQL database without its password.</summary>
    public string Location => _backend.Location;

    /// <summary>Opens (creating if needed) the SQLite catalogue <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file was made by another version of the vault.</exception>
    public static VaultCatalog Open(string path)
    {
        if (File.Exists(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, PostgresMarkerFileName)))
        {
            throw new InvalidOperationException(
                $"The vault folder {Path.GetDirectoryName(Path.GetFullPath(path))} keeps its catalogue in PostgreSQL ({PostgresMarkerFileName}): open it with the same --database (Obscura:Database) as the server that created it. Opening it on SQLite would treat its blobs as debris.");
        }

        if (!File.Exists(path))
        {
            // SQLite gives the -wal and -shm files the database's own mode: create it owner-only before SQLite opens it.
            OwnerOnlyFiles.Create(path).Dispose();
        }

        OwnerOnlyFiles.RestrictDatabase(path); // restored by a copy that did not keep modes

        var catalog = new VaultCatalog(new SqliteCatalogBackend(path));
        using (var connection = catalog.Connect())
        {
            catalog.Execute(connection, "PRAGMA journal_mode=WAL;");
        }

        catalog.Write(c =>
        {
            var version = catalog.Scalar<long>(c, "PRAGMA user_version");
            if (version == SchemaVersion)
            {
                return;
            }

            if (version > SchemaVersion)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"The vault catalogue {path} has schema version {version}, newer than {SchemaVersion}: it was made by a later version of Obscura. Open it with that version."));
            }

            if (version >= OldestMigratedSchemaVersion)
            {
                catalog.Migrate(c, version);
                return;
            }

            if (version != 0 || catalog.Scalar<long>(c, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'") > 0)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"The vault catalogue {path} has schema version {version}, not {SchemaVersion}: it was made by an earlier version of Obscura that kept wrapped data keys inside vault.db. It cannot be opened by this version; move the vault folder aside and ingest again."));
            }

            catalog.Execute(c, """
                CREATE TABLE objects(id TEXT PRIMARY KEY, subject TEXT NOT NULL, purpose TEXT NOT NULL, collected_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL, source TEXT NOT NULL, content_type TEXT NOT NULL, category TEXT NOT NULL, labels TEXT NOT NULL,
                    size INTEGER NOT NULL, key_id TEXT NOT NULL, writer TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'stored')));
                CREATE INDEX objects_subject ON objects(subject);
                CREATE INDEX objects_expiry ON objects(expires_at);
                CREATE INDEX objects_pending ON objects(state, writer);
                CREATE TABLE data_keys(key_id TEXT PRIMARY KEY, subject TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
                CREATE TABLE retired_keys(key_id TEXT PRIMARY KEY, owner TEXT NOT NULL, retired_at INTEGER NOT NULL, destroyed INTEGER NOT NULL);
                CREATE TABLE policies(purpose TEXT NOT NULL, version INTEGER NOT NULL, fraction REAL NOT NULL, strata TEXT NOT NULL,
                    max_records INTEGER, justification TEXT NOT NULL, approved_by TEXT NOT NULL, created_at INTEGER NOT NULL, allowed_fields TEXT,
                    PRIMARY KEY(purpose, version));
                CREATE TABLE selections(purpose TEXT NOT NULL, version INTEGER NOT NULL, selected_at INTEGER NOT NULL, eligible INTEGER NOT NULL,
                    object_ids TEXT NOT NULL, subjects TEXT NOT NULL, PRIMARY KEY(purpose, version));
                CREATE TABLE exports(run TEXT PRIMARY KEY, purpose TEXT NOT NULL, policy_version INTEGER NOT NULL, fields TEXT NOT NULL,
                    pseudonym_key_id TEXT, pseudonymised INTEGER NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, scratch_deadline INTEGER NOT NULL,
                    records INTEGER NOT NULL, writer TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'open', 'closed', 'deleted')));
                CREATE TABLE export_members(run TEXT NOT NULL, object_id TEXT NOT NULL, subject TEXT NOT NULL, record_id TEXT NOT NULL);
                CREATE INDEX export_members_subject ON export_members(subject);
                CREATE TABLE deletions(at INTEGER NOT NULL, reason TEXT NOT NULL, subject TEXT NOT NULL, purpose TEXT, object_id TEXT, bytes INTEGER NOT NULL);
                CREATE INDEX deletions_object ON deletions(object_id);
                CREATE INDEX export_members_run ON export_members(run, object_id);
                CREATE TABLE outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, writer TEXT NOT NULL, events TEXT NOT NULL);
                """);
            catalog.Execute(c, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {SchemaVersion}"));
        });
        return catalog;
    }

    /// <summary>
    /// Opens the catalogue in the PostgreSQL database of <paramref name="source"/> for the vault folder
    /// <paramref name="folder"/>, creating its tables when needed (versioned like SQLite's, under the writer lock, so
    /// processes that start together create them once). The folder and the database are bound to each other by a
    /// random catalogue id kept in both (<see cref="PostgresMarkerFileName"/> and <c>vault_identity</c>): the blobs
    /// and keys stay in the folder, so every process that uses the database must use the same folder, and a folder
    /// that does not match the database is refused rather than having its blobs taken for debris.
    /// </summary>
    /// <exception cref="InvalidOperationException">The folder keeps its catalogue in vault.db, or belongs to another catalogue.</exception>
    /// <exception cref="InvalidDataException">The database's catalogue was made by a later version.</exception>
    public static VaultCatalog OpenPostgres(DbDataSource source, string location, string folder)
    {
        ArgumentNullException.ThrowIfNull(source);
        var sqlite = Path.Combine(folder, "vault.db");
        if (File.Exists(sqlite) && !File.Exists(Path.Combine(folder, PostgresMarkerFileName)))
        {
            throw new InvalidOperationException(
                $"The vault folder {folder} keeps its catalogue in {sqlite}; the server is configured for PostgreSQL ({location}). Start it without --database, or move the folder's catalogue first (obscura migrate).");
        }

        var catalog = new VaultCatalog(new PostgresCatalogBackend(source, location));
        catalog.Write(c =>
        {
            EnsurePostgresSchema(catalog, c, location);
            Bind(catalog, c, folder, location);
        });
        return catalog;
    }

    /// <summary>Creates or brings up to date the catalogue's tables, inside the caller's write transaction.</summary>
    private static void EnsurePostgresSchema(VaultCatalog catalog, DbConnection c, string location)
    {
        catalog.Execute(c, "CREATE TABLE IF NOT EXISTS vault_schema_migrations(version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
        var version = catalog.Scalar<long>(c, "SELECT COALESCE(MAX(version), 0) FROM vault_schema_migrations");
        if (version > SchemaVersion)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"The vault catalogue in {location} has schema version {version}, newer than {SchemaVersion}: it was made by a later version of Obscura. Open it with that version."));
        }

        foreach (var (step, sql) in PostgresCatalogSchema.Migrations.Where(m => m.Version > version))
        {
            catalog.Execute(c, sql);
            catalog.Execute(c, "INSERT INTO vault_schema_migrations(version, applied_at) VALUES ($v, $t)", ("$v", step), ("$t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        }
    }

    /// <summary>
    /// Moves the folder's <c>vault.db</c> into the PostgreSQL catalogue of <paramref name="source"/> (for
    /// <c>obscura migrate</c>): under the catalogue's writer lock in PostgreSQL and with <c>vault.db</c>'s write lock
    /// held, the folder is first marked as belonging to the PostgreSQL catalogue (<see cref="PostgresMarkerFileName"/>:
    /// from then on this build opens the file nowhere), then every row is copied as stored and the catalogue id is
    /// recorded, in one PostgreSQL transaction. A crash before that commits leaves the mark and an empty catalogue, which
    /// both backends refuse to open and which running this again finishes; after it, running this again finds the
    /// catalogue bound to the folder, checks that it holds exactly the file's rows, and reports the move complete.
    /// </summary>
    /// <returns>The row count of each table, and whether the move had been completed before; <see langword="null"/> when the folder has no vault.db.</returns>
    /// <exception cref="InvalidOperationException">The database already holds another vault catalogue, or one that differs from the file.</exception>
    /// <exception cref="InvalidDataException">vault.db is not at this build's schema version.</exception>
    public static (IReadOnlyDictionary<string, long> Rows, bool AlreadyComplete)? MoveToPostgres(string folder, DbDataSource source, string location)
    {
        ArgumentNullException.ThrowIfNull(source);
        var path = Path.Combine(folder, "vault.db");
        if (!File.Exists(path))
        {
            return null;
        }

        var target = new VaultCatalog(new PostgresCatalogBackend(source, location));
        var from = new VaultCatalog(new SqliteCatalogBackend(path));
        try
        {
            return target.Write(c =>
            {
                EnsurePostgresSchema(target, c, location);
                using var file = from.Connect();
                using var locked = from._backend.BeginWrite(file); // no SQLite writer from here to the end
                var version = from.Scalar<long>(file, "PRAGMA user_version");
                if (version != SchemaVersion)
                {
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                        $"{path} has schema version {version}, not {SchemaVersion}: open the vault once with this version of Obscura (on SQLite) before moving it."));
                }

                var rows = PostgresCatalogBackend.Tables.ToDictionary(t => t, t => from.Scalar<long>(file, $"SELECT COUNT(*) FROM {t}"), StringComparer.Ordinal);
                var targetRows = PostgresCatalogBackend.Tables.ToDictionary(t => t, t => target.Scalar<long>(c, $"SELECT COUNT(*) FROM {t}"), StringComparer.Ordinal);
                var marker = Path.Combine(folder, PostgresMarkerFileName);
                var claimed = File.Exists(marker) ? File.ReadAllText(marker).Trim() : null;
                var bound = target.Scalar<string?>(c, "SELECT id FROM vault_identity");
                if (bound is not null)
                {
                    if (bound == claimed && rows.All(r => targetRows[r.Key] == r.Value))
                    {
                        return ((IReadOnlyDictionary<string, long>)rows, true);
                    }

                    throw new InvalidOperationException(bound == claimed
                        ? $"The vault catalogue in {location} has taken writes since {path} was moved into it: there is nothing left to move."
                        : $"{location} already holds the vault catalogue of another vault folder; {path} is moved only into a database without one.");
                }

                if (targetRows.Values.Any(n => n > 0))
                {
                    throw new InvalidOperationException($"{location} holds vault catalogue rows of no vault folder; {path} is moved only into a database without them.");
                }

                var id = claimed ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
                if (claimed is null)
                {
                    // The mark first: from here on this build opens vault.db nowhere, so the rows copied next are its last state.
                    OwnerOnlyFiles.WriteAtomically(marker, System.Text.Encoding.ASCII.GetBytes(id + "\n"));
                }

                foreach (var table in PostgresCatalogBackend.Tables)
                {
                    CopyRows(from, file, target, c, table);
                }

                target.Execute(c, "SELECT setval(pg_get_serial_sequence('vault_outbox', 'seq'), GREATEST((SELECT COALESCE(MAX(seq), 0) FROM vault_outbox), 1), (SELECT COUNT(*) > 0 FROM vault_outbox))");
                target.Execute(c, "INSERT INTO vault_identity(id) VALUES ($i)", ("$i", id));
                return ((IReadOnlyDictionary<string, long>)rows, false);
            });
        }
        finally
        {
            from.Dispose();
        }
    }

    /// <summary>Copies every row of one table as stored; SQLite's 0/1 for <c>pseudonymised</c> becomes PostgreSQL's boolean.</summary>
    private static void CopyRows(VaultCatalog from, DbConnection file, VaultCatalog target, DbConnection c, string table)
    {
        using var read = from.Command(file, $"SELECT * FROM {table}");
        using var reader = read.ExecuteReader();
        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
        using var insert = target.Command(c, $"INSERT INTO {table}({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select(n => "$" + n))})",
            [.. columns.Select(n => ("$" + n, (object?)null))]);
        while (reader.Read())
        {
            for (var i = 0; i < columns.Length; i++)
            {
                var value = reader.IsDBNull(i) ? null : reader.GetValue(i);
                target.Parameter(insert, "$" + columns[i]).Value = value is null ? DBNull.Value : columns[i] == "pseudonymised" ? Convert.ToInt64(value, CultureInfo.InvariantCulture) != 0 : value;
            }

            insert.ExecuteNonQuery();
        }
    }

    /// <summary>Binds the folder to the database's catalogue id, inside the caller's write transaction (see <see cref="OpenPostgres"/>).</summary>
    private static void Bind(VaultCatalog catalog, DbConnection c, string folder, string location)
    {
        var marker = Path.Combine(folder, PostgresMarkerFileName);
        var bound = catalog.Scalar<string?>(c, "SELECT id FROM vault_identity");
        var claimed = File.Exists(marker) ? File.ReadAllText(marker).Trim() : null;
        if (bound is not null)
        {
            if (claimed != bound)
            {
                throw new InvalidOperationException(claimed is null
                    ? $"The vault catalogue in {location} belongs to another vault folder than {folder}. The blobs and keys stay in the vault folder: every server that uses this database must use the same vault folder (shared storage)."
                    : $"The vault folder {folder} belongs to another PostgreSQL catalogue than the one in {location}. Open it with the database it was created with.");
            }

            return;
        }

        // A fresh catalogue: adopt the folder only when it holds no vault data whose catalogue is elsewhere. A marker
        // without a bound id is left by a first open that crashed before its commit, or by a move that did not finish.
        if (File.Exists(Path.Combine(folder, "vault.db")))
        {
            throw new InvalidOperationException(
                $"The vault folder {folder} has a vault.db whose move into {location} did not finish: run obscura migrate again to finish it.");
        }

        if (Directory.Exists(Path.Combine(folder, "objects")) && Directory.EnumerateFiles(Path.Combine(folder, "objects"), "*", SearchOption.AllDirectories).Any())
        {
            throw new InvalidOperationException(
                $"The vault folder {folder} holds blobs, but the PostgreSQL database {location} has no vault catalogue: the folder's catalogue is elsewhere. Open it with the database it was created with.");
        }

        var id = claimed ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        if (claimed is null)
        {
            // Written before the commit: a crash in between leaves a marker that the next open adopts.
            OwnerOnlyFiles.WriteAtomically(marker, System.Text.Encoding.ASCII.GetBytes(id + "\n"));
        }

        catalog.Execute(c, "INSERT INTO vault_identity(id) VALUES ($i)", ("$i", id));
    }

    /// <summary>
    /// Brings a catalogue of an older schema up to <see cref="SchemaVersion"/>, one step at a time, inside the caller's
    /// write transaction (a failed step leaves the file as it was). Each step only adds: files stay readable by the
    /// steps' own rules, and rows written before a step read back with its defaults.
    /// </summary>
    private void Migrate(DbConnection c, long version)
    {
        if (version == 2)
        {
            // Policies recorded before version 3 name no allowed fields: NULL, no restriction, as they were.
            Execute(c, "ALTER TABLE policies ADD COLUMN allowed_fields TEXT");
            version = 3;
        }

        if (version == 3)
        {
            // Policy versions were not ledgered before version 4: stage their entries now, under a writer id no process
            // holds, so the recovery that runs when the vault opens appends them (and any later recovery, after a crash).
            var policies = ReadPolicies(c, null);
            if (policies.Count > 0)
            {
                Stage(c, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), [.. policies.Select(p => VaultLedger.PolicyRecorded(VaultLedger.MigrationActor, p))]);
            }

            version = 4;
        }

        Execute(c, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {version}"));
    }

    public void Dispose() => _backend.Dispose();

    // ---- data keys ----

    /// <summary>The key id the subject's blobs are stored under now, or <see langword="null"/>.</summary>
    public string? DataKeyOf(SubjectId subject) => Query(c => Scalar<string?>(c, "SELECT key_id FROM data_keys WHERE subject = $s", ("$s", subject.Value)));

    /// <summary>Makes <paramref name="keyId"/> the subject's data key unless the subject has one; returns the subject's key id either way.</summary>
    public string EnsureDataKey(SubjectId subject, string keyId, DateTimeOffset at) => Write(c =>
    {
        Execute(c, "INSERT OR IGNORE INTO data_keys(key_id, subject, created_at) VALUES ($k, $s, $t)", ("$k", keyId), ("$s", subject.Value), ("$t", at.ToUnixTimeMilliseconds()));
        return Scalar<string>(c, "SELECT key_id FROM data_keys WHERE subject = $s", ("$s", subject.Value));
    });

    /// <summary>For benchmarks: gives each subject a data key id in one transaction.</summary>
    public void InsertDataKeys(IEnumerable<(SubjectId Subject, string KeyId)> keys, DateTimeOffset at) => Write(c =>
    {
        using var insert = Command(c, "INSERT OR IGNORE INTO data_keys(key_id, subject, created_at) VALUES ($k, $s, $t)", ("$k", ""), ("$s", ""), ("$t", at.ToUnixTimeMilliseconds()));
        foreach (var (subject, keyId) in keys)
        {
            Parameter(insert, "$k").Value = keyId;
            Parameter(insert, "$s").Value = subject.Value;
            insert.ExecuteNonQuery();
        }
    });

    /// <summary>Retires a key whose material is gone (the subject gets a new one on its next ingest).</summary>
    public void RetireKey(string keyId, DateTimeOffset at) => Write(c => Retire(c, keyId, "subject", at));

    /// <summary>Keys retired in the catalogue whose destruction in the key store is not yet confirmed.</summary>
    public IReadOnlyList<string> RetiredNotDestroyed() => Query(c => Strings(c, "SELECT key_id FROM retired_keys WHERE destroyed = 0 ORDER BY key_id"));

    public void MarkDestroyed(IReadOnlyCollection<string> keyIds) => Write(c =>
        Execute(c, "UPDATE retired_keys SET destroyed = 1 WHERE key_id IN (SELECT value FROM json_each($k))", ("$k", JsonSerializer.Serialize(keyIds))));

    /// <summary>
    /// Retires the data key of every subject that has no object at all (pending or stored): keys left by ingests that
    /// did not finish. Returns the subjects and the retired key ids.
    /// </summary>
    public (IReadOnlyList<(SubjectId Subject, string KeyId)> Retired, long? Outbox) RetireUnusedDataKeys(string reason, DateTimeOffset at, string writer, Func<IReadOnlyList<SubjectId>, IReadOnlyList<AuditEvent>> events) => Write(c =>
    {
        var unused = new List<(SubjectId, string)>();
        using (var command = Command(c, "SELECT subject, key_id FROM data_keys k WHERE NOT EXISTS (SELECT 1 FROM objects o WHERE o.subject = k.subject) ORDER BY subject"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                unused.Add((SubjectId.Parse(reader.GetString(0)), reader.GetString(1)));
            }
        }

        foreach (var (subject, keyId) in unused)
        {
            Retire(c, keyId, subject.Value, at);
            LogDeletion(c, at, reason + ":key-destroyed", subject.Value, null, null, 0);
        }

        var outbox = Stage(c, writer, events([.. unused.Select(u => u.Item1)]));
        return ((IReadOnlyList<(SubjectId, string)>)unused, outbox);
    });

    // ---- objects ----

    /// <summary>
    /// Inserts the object as pending under <paramref name="keyId"/>, unless that key is no longer the subject's data key
    /// (retired by an erasure or a retention run in the meantime): then nothing is written and the result is false.
    /// </summary>
    public bool InsertPending(VaultObject o, string keyId, string writer) => Write(c => Execute(c,
        $"INSERT INTO objects({ObjectColumns}) SELECT $id, $s, $p, $c, $e, $src, $ct, $cat, $l, $z, $k, $w, 'pending' WHERE EXISTS (SELECT 1 FROM data_keys WHERE key_id = $k AND subject = $s)",
        ("$id", o.Id), ("$s", o.Subject.Value), ("$p", o.Purpose.Value), ("$c", o.CollectedAt.ToUnixTimeMilliseconds()), ("$e", o.ExpiresAt.ToUnixTimeMilliseconds()),
        ("$src", o.Source), ("$ct", o.ContentType), ("$cat", o.Category.Value), ("$l", JsonSerializer.Serialize(o.Labels)), ("$z", o.Size), ("$k", keyId), ("$w", writer)) == 1);

    /// <summary>Marks a pending object of <paramref name="writer"/> stored; false when the row is gone (erased meanwhile).</summary>
    public bool MarkStored(string id, string writer) =>
        Write(c => Execute(c, "UPDATE objects SET state = 'stored' WHERE id = $id AND state = 'pending' AND writer = $w", ("$id", id), ("$w", writer)) == 1);

    public CatalogObject? FindStored(string id) => Objects("WHERE id = $id AND state = 'stored'", ("$id", id)).SingleOrDefault();

    public IReadOnlyList<CatalogObject> Stored() => Objects("WHERE state = 'stored'");

    public IReadOnlyList<CatalogObject> Pending() => Objects("WHERE state = 'pending'");

    public IReadOnlyList<CatalogObject> PendingOf(string writer) => Objects("WHERE state = 'pending' AND writer = $w", ("$w", writer));

    public IReadOnlyList<CatalogObject> ExpiredAt(DateTimeOffset now) => Objects("WHERE state = 'stored' AND expires_at <= $t", ("$t", now.ToUnixTimeMilliseconds()));

    /// <summary>Every object, pending or stored, of the subjects.</summary>
    public IReadOnlyList<CatalogObject> OfSubjects(IReadOnlyList<SubjectId> subjects) =>
        Objects("WHERE subject IN (SELECT value FROM json_each($s))", ("$s", JsonSerializer.Serialize(subjects.Select(s => s.Value))));

    public bool Exists(string id) => Query(c => Scalar<long>(c, "SELECT COUNT(*) FROM objects WHERE id = $id", ("$id", id)) > 0);

    /// <summary>
    /// Deletes the listed objects that are still there (only pending rows of <paramref name="onlyPendingOf"/> when set),
    /// logs each deletion under <paramref name="reason"/> (nothing is logged without one: an ingest undone before it was recorded), and retires the data key of every listed subject (and of <paramref name="alsoShred"/>) left
    /// with no object; the ledger events of what was actually done go to the outbox in the same transaction.
    /// </summary>
    public DeletionResult DeleteObjects(
        IReadOnlyList<VaultObject> objects,
        string? reason,
        DateTimeOffset at,
        IEnumerable<SubjectId> alsoShred,
        string? onlyPendingOf,
        string writer,
        Func<IReadOnlyList<VaultObject>, IReadOnlyList<SubjectId>, IReadOnlyList<AuditEvent>> events) => Write(c =>
    {
        var deleted = new List<VaultObject>();
        using (var delete = Command(c, "DELETE FROM objects WHERE id = $id" + (onlyPendingOf is null ? "" : " AND state = 'pending' AND writer = $w"), ("$id", ""), ("$w", onlyPendingOf)))
        {
            foreach (var o in objects)
            {
                Parameter(delete, "$id").Value = o.Id;
                if (delete.ExecuteNonQuery() == 1)
                {
                    if (reason is not null)
                    {
                        LogDeletion(c, at, reason, o.Subject.Value, o.Purpose.Value, o.Id, o.Size);
                    }

                    deleted.Add(o);
                }
            }
        }

        // Prepared once: an erasure of 10^5 subjects runs these 10^5 times.
        var shredded = new List<SubjectId>();
        var retired = new List<string>();
        var now = at.ToUnixTimeMilliseconds();
        using var unused = Command(c, "SELECT key_id FROM data_keys WHERE subject = $s AND NOT EXISTS (SELECT 1 FROM objects WHERE subject = $s)", ("$s", ""));
        using var unname = Command(c, "DELETE FROM data_keys WHERE key_id = $k", ("$k", ""));
        using var retire = Command(c, "INSERT OR IGNORE INTO retired_keys(key_id, owner, retired_at, destroyed) VALUES ($k, $s, $t, 0)", ("$k", ""), ("$s", ""), ("$t", now));
        using var log = Command(c, "INSERT INTO deletions(at, reason, subject, purpose, object_id, bytes) VALUES ($t, $r, $s, NULL, NULL, 0)", ("$t", now), ("$r", reason + ":key-destroyed"), ("$s", ""));
        foreach (var subject in deleted.Select(o => o.Subject).Concat(alsoShred).Distinct())
        {
            Parameter(unused, "$s").Value = subject.Value;
            if (unused.ExecuteScalar() is string keyId)
            {
                Parameter(unname, "$k").Value = keyId;
                unname.ExecuteNonQuery();
                Parameter(retire, "$k").Value = keyId;
                Parameter(retire, "$s").Value = subject.Value;
                retire.ExecuteNonQuery();
                if (reason is not null)
                {
                    Parameter(log, "$s").Value = subject.Value;
                    log.ExecuteNonQuery();
                }

                shredded.Add(subject);
                retired.Add(keyId);
            }
        }

        return new DeletionResult(deleted, shredded, retired, Stage(c, writer, events(deleted, shredded)));
    });

    // ---- policies and selections ----

    /// <summary>
    /// Inserts the next version of <paramref name="purpose"/>'s policy and stages its ledger entry in the same
    /// transaction (see <see cref="LedgerOutbox"/>): a version is never in the catalogue without its entry on the way.
    /// </summary>
    public (MinimisationPolicy Policy, long? Outbox) InsertPolicy(PurposeId purpose, Func<int, MinimisationPolicy> create, string writer, Func<MinimisationPolicy, AuditEvent> recorded) => Write(c =>
    {
        var policy = create((int)Scalar<long>(c, "SELECT COALESCE(MAX(version), 0) + 1 FROM policies WHERE purpose = $p", ("$p", purpose.Value)));
        Execute(c, "INSERT INTO policies(purpose, version, fraction, strata, max_records, justification, approved_by, created_at, allowed_fields) VALUES ($p, $v, $f, $s, $m, $j, $a, $t, $af)",
            ("$p", policy.Purpose.Value), ("$v", policy.Version), ("$f", policy.Fraction), ("$s", JsonSerializer.Serialize(policy.StratifyBy)), ("$m", policy.MaxRecords),
            ("$j", policy.Justification), ("$a", policy.ApprovedBy), ("$t", policy.CreatedAt.ToUnixTimeMilliseconds()),
            ("$af", policy.AllowedFields is null ? null : JsonSerializer.Serialize(policy.AllowedFields)));
        return (policy, Stage(c, writer, [recorded(policy)]));
    });

    public IReadOnlyList<MinimisationPolicy> Policies(PurposeId? purpose) => Query(c => ReadPolicies(c, purpose));

    private List<MinimisationPolicy> ReadPolicies(DbConnection c, PurposeId? purpose)
    {
        using var command = Command(c, "SELECT purpose, version, fraction, strata, max_records, justification, approved_by, created_at, allowed_fields FROM policies"
            + (purpose is null ? "" : " WHERE purpose = $p") + " ORDER BY purpose, version", ("$p", purpose?.Value));
        using var reader = command.ExecuteReader();
        var list = new List<MinimisationPolicy>();
        while (reader.Read())
        {
            list.Add(new MinimisationPolicy(PurposeId.Parse(reader.GetString(0)), reader.GetInt32(1), reader.GetDouble(2), JsonSerializer.Deserialize<string[]>(reader.GetString(3))!,
                reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.GetString(5), reader.GetString(6), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                reader.IsDBNull(8) ? null : JsonSerializer.Deserialize<string[]>(reader.GetString(8))!));
        }

        return list;
    }

    public void SaveSelection(SubsetSelectionResult selection) => Write(c => Execute(c,
        _backend.ReplaceSelectionSql, ("$p", selection.Policy.Purpose.Value), ("$v", selection.Policy.Version),
        ("$t", selection.SelectedAt.ToUnixTimeMilliseconds()), ("$e", selection.Eligible), ("$o", JsonSerializer.Serialize(selection.ObjectIds)),
        ("$s", JsonSerializer.Serialize(selection.Subjects.Select(s => s.Value)))));

    /// <summary>(purpose, version, eligible, selected, selected at) of the newest selection per purpose.</summary>
    public IReadOnlyList<(PurposeId Purpose, int Version, int Eligible, int Selected, DateTimeOffset At)> LatestSelections() => Query(c =>
    {
        using var command = Command(c, "SELECT purpose, version, eligible, object_ids, selected_at FROM selections s WHERE version = (SELECT MAX(version) FROM selections WHERE purpose = s.purpose) ORDER BY purpose");
        using var reader = command.ExecuteReader();
        var list = new List<(PurposeId, int, int, int, DateTimeOffset)>();
        while (reader.Read())
        {
            list.Add((PurposeId.Parse(reader.GetString(0)), reader.GetInt32(1), reader.GetInt32(2), JsonSerializer.Deserialize<string[]>(reader.GetString(3))!.Length,
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }

        return (IReadOnlyList<(PurposeId, int, int, int, DateTimeOffset)>)list;
    });

    // ---- exports ----

    /// <summary>Whether the run name is taken (by an export in any state, pending included).</summary>
    public bool ExportExists(string run) => Query(c => Scalar<long>(c, "SELECT COUNT(*) FROM exports WHERE run = $r", ("$r", run)) > 0);

    /// <summary>Claims the run name for an export being written by <paramref name="writer"/>; false when it is taken.</summary>
    public bool ReserveExport(string run, PurposeId purpose, int policyVersion, string? pseudonymKeyId, string writer, DateTimeOffset at) => Write(c => Execute(c,
        "INSERT OR IGNORE INTO exports(run, purpose, policy_version, fields, pseudonym_key_id, pseudonymised, created_at, expires_at, scratch_deadline, records, writer, state) VALUES ($r, $p, $v, '[]', $k, $z, $t, $t, $t, 0, $w, 'pending')",
        ("$r", run), ("$p", purpose.Value), ("$v", policyVersion), ("$k", pseudonymKeyId), ("$z", pseudonymKeyId is not null), ("$t", at.ToUnixTimeMilliseconds()), ("$w", writer)) == 1);

    /// <summary>The ids of objects among <paramref name="ids"/> that are still stored.</summary>
    public IReadOnlySet<string> StillStored(IEnumerable<string> ids) => Query(c =>
        Strings(c, "SELECT id FROM objects WHERE state = 'stored' AND id IN (SELECT value FROM json_each($ids))", ("$ids", JsonSerializer.Serialize(ids))).ToHashSet(StringComparer.Ordinal));

    /// <summary>Publishes a reserved export with its members; false when the reservation is gone.</summary>
    public bool PublishExport(TrainingExport export, string writer, IReadOnlyList<(string ObjectId, SubjectId Subject, string RecordId)> members) => Write(c =>
    {
        var updated = Execute(c, "UPDATE exports SET fields = $f, created_at = $c, expires_at = $e, scratch_deadline = $d, records = $n, state = 'open' WHERE run = $r AND state = 'pending' AND writer = $w",
            ("$r", export.Run), ("$f", JsonSerializer.Serialize(export.Fields)), ("$c", export.CreatedAt.ToUnixTimeMilliseconds()), ("$e", export.ExpiresAt.ToUnixTimeMilliseconds()),
            ("$d", export.ScratchDeadline.ToUnixTimeMilliseconds()), ("$n", export.Records), ("$w", writer));
        if (updated == 0)
        {
            return false;
        }

        using var insert = Command(c, "INSERT INTO export_members VALUES ($r, $o, $s, $i)", ("$r", export.Run), ("$o", ""), ("$s", ""), ("$i", ""));
        foreach (var (objectId, subject, recordId) in members)
        {
            Parameter(insert, "$o").Value = objectId;
            Parameter(insert, "$s").Value = subject.Value;
            Parameter(insert, "$i").Value = recordId;
            insert.ExecuteNonQuery();
        }

        return true;
    });

    /// <summary>Pending exports (run, purpose, pseudonymisation key id) of <paramref name="writer"/>.</summary>
    public IReadOnlyList<(string Run, PurposeId Purpose, string? PseudonymKeyId)> PendingExportsOf(string writer) => Query(c =>
    {
        using var command = Command(c, "SELECT run, purpose, pseudonym_key_id FROM exports WHERE state = 'pending' AND writer = $w ORDER BY run", ("$w", writer));
        using var reader = command.ExecuteReader();
        var list = new List<(string, PurposeId, string?)>();
        while (reader.Read())
        {
            list.Add((reader.GetString(0), PurposeId.Parse(reader.GetString(1)), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return (IReadOnlyList<(string, PurposeId, string?)>)list;
    });

    /// <summary>Removes a pending export of <paramref name="writer"/> and retires its pseudonymisation key; false when it is not pending.</summary>
    public (bool Deleted, long? Outbox) DeletePendingExport(string run, string writer, DateTimeOffset at, IReadOnlyList<AuditEvent> events) => Write(c =>
    {
        var key = Scalar<string?>(c, "SELECT pseudonym_key_id FROM exports WHERE run = $r AND state = 'pending' AND writer = $w", ("$r", run), ("$w", writer));
        if (Execute(c, "DELETE FROM exports WHERE run = $r AND state = 'pending' AND writer = $w", ("$r", run), ("$w", writer)) == 0)
        {
            return (false, (long?)null);
        }

        if (key is not null)
        {
            Retire(c, key, "export:" + run, at);
        }

        return (true, Stage(c, writer, events));
    });

    /// <summary>The state of every export by run, pending ones included.</summary>
    public IReadOnlyDictionary<string, string> ExportStates() => Query(c =>
    {
        using var command = Command(c, "SELECT run, state FROM exports");
        using var reader = command.ExecuteReader();
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            states[reader.GetString(0)] = reader.GetString(1);
        }

        return (IReadOnlyDictionary<string, string>)states;
    });

    /// <summary>Published exports (open, closed or deleted), oldest first.</summary>
    public IReadOnlyList<TrainingExport> Exports() => Query(c =>
    {
        using var command = Command(c, "SELECT run, purpose, policy_version, fields, pseudonymised, created_at, expires_at, scratch_deadline, records, state FROM exports WHERE state <> 'pending' ORDER BY created_at, run");
        using var reader = command.ExecuteReader();
        var list = new List<TrainingExport>();
        while (reader.Read())
        {
            list.Add(new TrainingExport(reader.GetString(0), PurposeId.Parse(reader.GetString(1)), reader.GetInt32(2), JsonSerializer.Deserialize<string[]>(reader.GetString(3))!,
                reader.GetBoolean(4),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)), reader.GetInt32(8), Enum.Parse<ExportState>(reader.GetString(9), ignoreCase: true)));
        }

        return (IReadOnlyList<TrainingExport>)list;
    });

    /// <summary>
    /// Members of published exports whose object is no longer in the vault (erased, withdrawn, expired or rolled back),
    /// with the reason the deletion log gives for the object.
    /// </summary>
    public IReadOnlyList<(string Run, string ObjectId, SubjectId Subject, string RecordId, string Reason)> MembersWithoutObject() => Query(c =>
    {
        using var command = Command(c, """
            SELECT m.run, m.object_id, m.subject, m.record_id,
                COALESCE((SELECT d.reason FROM deletions d WHERE d.object_id = m.object_id ORDER BY d.at DESC LIMIT 1), 'erasure')
            FROM export_members m JOIN exports e ON e.run = m.run
            WHERE e.state IN ('open', 'closed') AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.id = m.object_id)
            ORDER BY m.run, m.object_id
            """);
        using var reader = command.ExecuteReader();
        var list = new List<(string, string, SubjectId, string, string)>();
        while (reader.Read())
        {
            list.Add((reader.GetString(0), reader.GetString(1), SubjectId.Parse(reader.GetString(2)), reader.GetString(3), reader.GetString(4)));
        }

        return (IReadOnlyList<(string, string, SubjectId, string, string)>)list;
    });

    /// <summary>Removes members from a published export and recounts its records, with the ledger events in the outbox.</summary>
    public long? RemoveMembers(string run, IReadOnlyCollection<string> objectIds, string writer, IReadOnlyList<AuditEvent> events) => Write(c =>
    {
        foreach (var id in objectIds)
        {
            Execute(c, "DELETE FROM export_members WHERE run = $r AND object_id = $o", ("$r", run), ("$o", id));
        }

        Execute(c, "UPDATE exports SET records = (SELECT COUNT(*) FROM export_members WHERE run = $r) WHERE run = $r", ("$r", run));
        return Stage(c, writer, events);
    });

    /// <summary>
    /// Moves a published export to <paramref name="state"/> (from a state before it), with its ledger events in the
    /// outbox; when deleted, its members go and its pseudonymisation key is retired. Returns the retired key id, or
    /// <see langword="null"/>; false when the export was not in an earlier state (another process got there first).
    /// </summary>
    public (bool Changed, string? RetiredKey, long? Outbox) SetExportState(string run, ExportState state, DateTimeOffset at, string writer, IReadOnlyList<AuditEvent> events) => Write(c =>
    {
        var before = state == ExportState.Closed ? "('open')" : "('open', 'closed')";
        if (Execute(c, $"UPDATE exports SET state = $s WHERE run = $r AND state IN {before}", ("$r", run), ("$s", state.ToString().ToLowerInvariant())) == 0)
        {
            return (false, (string?)null, (long?)null);
        }

        string? retired = null;
        if (state == ExportState.Deleted)
        {
            // The pseudonymisation key goes with the export: its pseudonyms can no longer be linked back.
            retired = Scalar<string?>(c, "SELECT pseudonym_key_id FROM exports WHERE run = $r", ("$r", run));
            if (retired is not null)
            {
                Retire(c, retired, "export:" + run, at);
            }

            Execute(c, "UPDATE exports SET pseudonym_key_id = NULL WHERE run = $r", ("$r", run));
            Execute(c, "DELETE FROM export_members WHERE run = $r", ("$r", run));
        }

        return (true, retired, Stage(c, writer, events));
    });

    public IReadOnlyList<(string Reason, int Count, long Bytes, DateTimeOffset Last)> DeletionSummary() => Query(c =>
    {
        using var command = Command(c, "SELECT reason, COUNT(*), SUM(bytes), MAX(at) FROM deletions GROUP BY reason ORDER BY reason");
        using var reader = command.ExecuteReader();
        var list = new List<(string, int, long, DateTimeOffset)>();
        while (reader.Read())
        {
            list.Add((reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))));
        }

        return (IReadOnlyList<(string, int, long, DateTimeOffset)>)list;
    });

    // ---- writers and the ledger outbox ----

    /// <summary>Every writer id that owns unfinished work: pending objects, pending exports, outbox entries.</summary>
    public IReadOnlyList<string> WritersWithUnfinishedWork() => Query(c => Strings(c,
        "SELECT writer FROM objects WHERE state = 'pending' UNION SELECT writer FROM exports WHERE state = 'pending' UNION SELECT writer FROM outbox ORDER BY 1"));

    /// <summary>The outbox entries staged by <paramref name="writer"/> and not yet appended, oldest first.</summary>
    public IReadOnlyList<long> OutboxOf(string writer) => Query(c =>
    {
        using var command = Command(c, "SELECT seq FROM outbox WHERE writer = $w ORDER BY seq", ("$w", writer));
        using var reader = command.ExecuteReader();
        var list = new List<long>();
        while (reader.Read())
        {
            list.Add(reader.GetInt64(0));
        }

        return (IReadOnlyList<long>)list;
    });

    /// <summary>The staged events of one outbox entry, or <see langword="null"/> when it was appended already.</summary>
    public string? OutboxEntry(long seq) => Query(c => Scalar<string?>(c, "SELECT events FROM outbox WHERE seq = $q", ("$q", seq)));

    public void DeleteOutbox(long seq) => Write(c => Execute(c, "DELETE FROM outbox WHERE seq = $q", ("$q", seq)));

    // ---- plumbing ----

    private void Retire(DbConnection c, string keyId, string owner, DateTimeOffset at)
    {
        Execute(c, "DELETE FROM data_keys WHERE key_id = $k", ("$k", keyId));
        Execute(c, "INSERT OR IGNORE INTO retired_keys(key_id, owner, retired_at, destroyed) VALUES ($k, $o, $t, 0)", ("$k", keyId), ("$o", owner), ("$t", at.ToUnixTimeMilliseconds()));
    }

    private void LogDeletion(DbConnection c, DateTimeOffset at, string reason, string subject, string? purpose, string? objectId, long bytes) =>
        Execute(c, "INSERT INTO deletions(at, reason, subject, purpose, object_id, bytes) VALUES ($t, $r, $s, $p, $id, $z)",
            ("$t", at.ToUnixTimeMilliseconds()), ("$r", reason), ("$s", subject), ("$p", purpose), ("$id", objectId), ("$z", bytes));

    /// <summary>Stages ledger events in the outbox inside the caller's transaction; the seq is what the caller flushes.</summary>
    private long? Stage(DbConnection c, string writer, IReadOnlyList<AuditEvent> events) =>
        events.Count == 0 ? null : Scalar<long>(c, "INSERT INTO outbox(writer, events) VALUES ($w, $e) RETURNING seq", ("$w", writer), ("$e", LedgerOutbox.Serialize(events)));

    private IReadOnlyList<CatalogObject> Objects(string where, params (string, object?)[] parameters) => Query(c =>
    {
        using var command = Command(c, $"SELECT {ObjectColumns} FROM objects {where} ORDER BY id", parameters);
        using var reader = command.ExecuteReader();
        var list = new List<CatalogObject>();
        while (reader.Read())
        {
            var metadata = new VaultObject(reader.GetString(0), SubjectId.Parse(reader.GetString(1)), PurposeId.Parse(reader.GetString(2)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetString(5), reader.GetString(6), DataCategory.Parse(reader.GetString(7)),
                JsonSerializer.Deserialize<SortedDictionary<string, string>>(reader.GetString(8))!, reader.GetInt64(9));
            list.Add(new CatalogObject(metadata, reader.GetString(10), reader.GetString(11), reader.GetString(12) == "stored"));
        }

        return (IReadOnlyList<CatalogObject>)list;
    });

    private DbConnection Connect() => _backend.Connect();

    private T Query<T>(Func<DbConnection, T> work)
    {
        using var connection = Connect();
        return work(connection);
    }

    /// <summary>One write transaction that holds the catalogue's writer lock before its first read (SQLite's <c>BEGIN IMMEDIATE</c>, PostgreSQL's advisory lock).</summary>
    private T Write<T>(Func<DbConnection, T> work)
    {
        lock (_writeLock)
        {
            using var connection = Connect();
            using var transaction = _backend.BeginWrite(connection);
            var result = work(connection);
            transaction.Commit();
            return result;
        }
    }

    private void Write(Action<DbConnection> work) => Write(c =>
    {
        work(c);
        return 0;
    });

    private DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = _backend.Translate(sql);
        foreach (var (name, value) in parameters)
        {
            if (sql.Contains(name, StringComparison.Ordinal))
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = _backend.ParameterName(name);
                parameter.Value = value ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }
        }

        return command;
    }

    private DbParameter Parameter(DbCommand command, string name) => command.Parameters[_backend.ParameterName(name)];

    private int Execute(DbConnection connection, string sql, params (string, object?)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private T Scalar<T>(DbConnection connection, string sql, params (string, object?)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        var value = command.ExecuteScalar();
        return value is null or DBNull ? default! : value is T typed ? typed : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture);
    }

    private List<string> Strings(DbConnection connection, string sql, params (string, object?)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        using var reader = command.ExecuteReader();
        var list = new List<string>();
        while (reader.Read())
        {
            list.Add(reader.GetString(0));
        }

        return list;
    }
}
