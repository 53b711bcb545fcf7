using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Obscura.Security.Files;

namespace Obscura.Vault;

/// <summary>
/// The vault's index (<c>vault.db</c>, SQLite, WAL, synchronous=FULL, secure_delete so that destroyed keys are zeroed
/// on disk): wrapped subject keys, object metadata and state, minimisation policies, selections, exports and the
/// deletion log. The blobs themselves are files.
/// </summary>
internal sealed class VaultCatalog : IDisposable
{
    private readonly string _connectionString;
    private readonly Lock _writeLock = new();

    private VaultCatalog(string connectionString) => _connectionString = connectionString;

    public static VaultCatalog Open(string path)
    {
        if (!File.Exists(path))
        {
            // SQLite gives the -wal and -shm files the database's own mode: create it owner-only before SQLite opens it.
            OwnerOnlyFiles.Create(path).Dispose();
        }

        var catalog = new VaultCatalog(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true }.ToString());
        using var connection = catalog.Connect();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS subject_keys(subject TEXT PRIMARY KEY, wrapped BLOB NOT NULL, created_at INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS objects(id TEXT PRIMARY KEY, subject TEXT NOT NULL, purpose TEXT NOT NULL, collected_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL, source TEXT NOT NULL, content_type TEXT NOT NULL, category TEXT NOT NULL, labels TEXT NOT NULL, size INTEGER NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'stored')));
            CREATE INDEX IF NOT EXISTS objects_subject ON objects(subject);
            CREATE INDEX IF NOT EXISTS objects_expiry ON objects(expires_at);
            CREATE TABLE IF NOT EXISTS policies(purpose TEXT NOT NULL, version INTEGER NOT NULL, fraction REAL NOT NULL, strata TEXT NOT NULL,
                max_records INTEGER, justification TEXT NOT NULL, approved_by TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY(purpose, version));
            CREATE TABLE IF NOT EXISTS selections(purpose TEXT NOT NULL, version INTEGER NOT NULL, selected_at INTEGER NOT NULL, eligible INTEGER NOT NULL,
                object_ids TEXT NOT NULL, subjects TEXT NOT NULL, PRIMARY KEY(purpose, version));
            CREATE TABLE IF NOT EXISTS exports(run TEXT PRIMARY KEY, purpose TEXT NOT NULL, policy_version INTEGER NOT NULL, fields TEXT NOT NULL,
                wrapped_pseudonym_key BLOB, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, scratch_deadline INTEGER NOT NULL,
                records INTEGER NOT NULL, state TEXT NOT NULL CHECK (state IN ('open', 'closed', 'deleted')));
            CREATE TABLE IF NOT EXISTS export_members(run TEXT NOT NULL, object_id TEXT NOT NULL, subject TEXT NOT NULL, record_id TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS export_members_subject ON export_members(subject);
            CREATE TABLE IF NOT EXISTS deletions(at INTEGER NOT NULL, reason TEXT NOT NULL, subject TEXT NOT NULL, purpose TEXT, object_id TEXT, bytes INTEGER NOT NULL);
            """);
        return catalog;
    }

    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    // ---- subject keys ----

    public byte[]? FindWrappedKey(string subject) =>
        Query(c => Scalar<byte[]?>(c, "SELECT wrapped FROM subject_keys WHERE subject = $s", ("$s", subject)));

    /// <summary>Stores the wrapped key unless the subject has one; returns the stored one either way.</summary>
    public byte[] EnsureWrappedKey(string subject, byte[] wrapped, DateTimeOffset at) => Write(c =>
    {
        Execute(c, "INSERT OR IGNORE INTO subject_keys(subject, wrapped, created_at) VALUES ($s, $w, $t)", ("$s", subject), ("$w", wrapped), ("$t", at.ToUnixTimeMilliseconds()));
        return Scalar<byte[]?>(c, "SELECT wrapped FROM subject_keys WHERE subject = $s", ("$s", subject))!;
    });

    // ---- objects ----

    public void InsertPending(VaultObject o) => Write(c => Execute(c,
        "INSERT INTO objects(id, subject, purpose, collected_at, expires_at, source, content_type, category, labels, size, state) VALUES ($id, $s, $p, $c, $e, $src, $ct, $cat, $l, $z, 'pending')",
        ("$id", o.Id), ("$s", o.Subject), ("$p", o.Purpose), ("$c", o.CollectedAt.ToUnixTimeMilliseconds()), ("$e", o.ExpiresAt.ToUnixTimeMilliseconds()),
        ("$src", o.Source), ("$ct", o.ContentType), ("$cat", o.Category), ("$l", JsonSerializer.Serialize(o.Labels)), ("$z", o.Size)));

    public void MarkStored(string id) => Write(c => Execute(c, "UPDATE objects SET state = 'stored' WHERE id = $id", ("$id", id)));

    public VaultObject? FindStored(string id) => Objects("WHERE id = $id AND state = 'stored'", ("$id", id)).SingleOrDefault();

    public IReadOnlyList<VaultObject> Pending() => Objects("WHERE state = 'pending'");

    public IReadOnlyList<VaultObject> Stored() => Objects("WHERE state = 'stored'");

    public IReadOnlyList<VaultObject> ExpiredAt(DateTimeOffset now) => Objects("WHERE state = 'stored' AND expires_at <= $t", ("$t", now.ToUnixTimeMilliseconds()));

    public IReadOnlyList<VaultObject> OfSubjects(IReadOnlyList<string> subjects) =>
        Objects("WHERE subject IN (SELECT value FROM json_each($s))", ("$s", JsonSerializer.Serialize(subjects)));

    /// <summary>For benchmarks and tests: stores many wrapped keys in one transaction.</summary>
    public void InsertWrappedKeys(IEnumerable<(string Subject, byte[] Wrapped)> keys, DateTimeOffset at) => Write(c =>
    {
        foreach (var (subject, wrapped) in keys)
        {
            Execute(c, "INSERT OR IGNORE INTO subject_keys(subject, wrapped, created_at) VALUES ($s, $w, $t)", ("$s", subject), ("$w", wrapped), ("$t", at.ToUnixTimeMilliseconds()));
        }
    });

    public long KeyCount() => Query(c => Scalar<long>(c, "SELECT COUNT(*) FROM subject_keys"));

    public bool Exists(string id) => Query(c => Scalar<long>(c, "SELECT COUNT(*) FROM objects WHERE id = $id", ("$id", id)) > 0);

    /// <summary>
    /// Deletes object rows and logs each deletion; destroys the key of every listed subject that has no object left,
    /// in the same transaction. Returns the subjects whose keys were destroyed.
    /// </summary>
    public IReadOnlyList<string> DeleteObjects(IReadOnlyList<VaultObject> objects, string reason, DateTimeOffset at, IEnumerable<string> alsoShred) => Write(c =>
    {
        foreach (var o in objects)
        {
            Execute(c, "DELETE FROM objects WHERE id = $id", ("$id", o.Id));
            Execute(c, "INSERT INTO deletions(at, reason, subject, purpose, object_id, bytes) VALUES ($t, $r, $s, $p, $id, $z)",
                ("$t", at.ToUnixTimeMilliseconds()), ("$r", reason), ("$s", o.Subject), ("$p", o.Purpose), ("$id", o.Id), ("$z", o.Size));
        }

        var shredded = new List<string>();
        foreach (var subject in objects.Select(o => o.Subject).Concat(alsoShred).Distinct(StringComparer.Ordinal))
        {
            var left = Scalar<long>(c, "SELECT COUNT(*) FROM objects WHERE subject = $s", ("$s", subject));
            if (left == 0 && Execute(c, "DELETE FROM subject_keys WHERE subject = $s", ("$s", subject)) > 0)
            {
                Execute(c, "INSERT INTO deletions(at, reason, subject, purpose, object_id, bytes) VALUES ($t, $r, $s, NULL, NULL, 0)",
                    ("$t", at.ToUnixTimeMilliseconds()), ("$r", reason + ":key-destroyed"), ("$s", subject));
                shredded.Add(subject);
            }
        }

        return (IReadOnlyList<string>)shredded;
    });

    // ---- policies and selections ----

    public MinimisationPolicy InsertPolicy(Func<int, MinimisationPolicy> create) => Write(c =>
    {
        var policy = create((int)Scalar<long>(c, "SELECT COALESCE(MAX(version), 0) + 1 FROM policies WHERE purpose = $p", ("$p", create(0).Purpose)));
        Execute(c, "INSERT INTO policies VALUES ($p, $v, $f, $s, $m, $j, $a, $t)", ("$p", policy.Purpose), ("$v", policy.Version), ("$f", policy.Fraction),
            ("$s", JsonSerializer.Serialize(policy.StratifyBy)), ("$m", policy.MaxRecords), ("$j", policy.Justification), ("$a", policy.ApprovedBy), ("$t", policy.CreatedAt.ToUnixTimeMilliseconds()));
        return policy;
    });

    public IReadOnlyList<MinimisationPolicy> Policies(string? purpose) => Query(c =>
    {
        using var command = Command(c, "SELECT purpose, version, fraction, strata, max_records, justification, approved_by, created_at FROM policies"
            + (purpose is null ? "" : " WHERE purpose = $p") + " ORDER BY purpose, version", ("$p", purpose));
        using var reader = command.ExecuteReader();
        var list = new List<MinimisationPolicy>();
        while (reader.Read())
        {
            list.Add(new MinimisationPolicy(reader.GetString(0), reader.GetInt32(1), reader.GetDouble(2), JsonSerializer.Deserialize<string[]>(reader.GetString(3))!,
                reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.GetString(5), reader.GetString(6), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7))));
        }

        return (IReadOnlyList<MinimisationPolicy>)list;
    });

    public void SaveSelection(SubsetSelectionResult selection) => Write(c => Execute(c,
        "INSERT OR REPLACE INTO selections VALUES ($p, $v, $t, $e, $o, $s)", ("$p", selection.Policy.Purpose), ("$v", selection.Policy.Version),
        ("$t", selection.SelectedAt.ToUnixTimeMilliseconds()), ("$e", selection.Eligible), ("$o", JsonSerializer.Serialize(selection.ObjectIds)), ("$s", JsonSerializer.Serialize(selection.Subjects))));

    /// <summary>(purpose, version, eligible, selected, selected at) of the newest selection per purpose.</summary>
    public IReadOnlyList<(string Purpose, int Version, int Eligible, int Selected, DateTimeOffset At)> LatestSelections() => Query(c =>
    {
        using var command = Command(c, "SELECT purpose, version, eligible, object_ids, selected_at FROM selections s WHERE version = (SELECT MAX(version) FROM selections WHERE purpose = s.purpose) ORDER BY purpose");
        using var reader = command.ExecuteReader();
        var list = new List<(string, int, int, int, DateTimeOffset)>();
        while (reader.Read())
        {
            list.Add((reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), JsonSerializer.Deserialize<string[]>(reader.GetString(3))!.Length, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }

        return (IReadOnlyList<(string, int, int, int, DateTimeOffset)>)list;
    });

    // ---- exports ----

    public bool ExportExists(string run) => Query(c => Scalar<long>(c, "SELECT COUNT(*) FROM exports WHERE run = $r", ("$r", run)) > 0);

    public void InsertExport(TrainingExport export, byte[]? wrappedPseudonymKey, IReadOnlyList<(string ObjectId, string Subject, string RecordId)> members) => Write(c =>
    {
        Execute(c, "INSERT INTO exports VALUES ($r, $p, $v, $f, $k, $c, $e, $d, $n, 'open')", ("$r", export.Run), ("$p", export.Purpose), ("$v", export.PolicyVersion),
            ("$f", JsonSerializer.Serialize(export.Fields)), ("$k", wrappedPseudonymKey), ("$c", export.CreatedAt.ToUnixTimeMilliseconds()), ("$e", export.ExpiresAt.ToUnixTimeMilliseconds()),
            ("$d", export.ScratchDeadline.ToUnixTimeMilliseconds()), ("$n", export.Records));
        foreach (var (objectId, subject, recordId) in members)
        {
            Execute(c, "INSERT INTO export_members VALUES ($r, $o, $s, $i)", ("$r", export.Run), ("$o", objectId), ("$s", subject), ("$i", recordId));
        }
    });

    public IReadOnlyList<TrainingExport> Exports() => Query(c =>
    {
        using var command = Command(c, "SELECT run, purpose, policy_version, fields, wrapped_pseudonym_key IS NOT NULL, created_at, expires_at, scratch_deadline, records, state FROM exports ORDER BY created_at");
        using var reader = command.ExecuteReader();
        var list = new List<TrainingExport>();
        while (reader.Read())
        {
            list.Add(new TrainingExport(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), JsonSerializer.Deserialize<string[]>(reader.GetString(3))!, reader.GetBoolean(4),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)), reader.GetInt32(8), Enum.Parse<ExportState>(reader.GetString(9), ignoreCase: true)));
        }

        return (IReadOnlyList<TrainingExport>)list;
    });

    public IReadOnlyList<(string Run, string ObjectId, string RecordId)> MembersOf(string subject) => Query(c =>
    {
        using var command = Command(c, "SELECT m.run, m.object_id, m.record_id FROM export_members m JOIN exports e ON e.run = m.run WHERE m.subject = $s AND e.state <> 'deleted'", ("$s", subject));
        using var reader = command.ExecuteReader();
        var list = new List<(string, string, string)>();
        while (reader.Read())
        {
            list.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return (IReadOnlyList<(string, string, string)>)list;
    });

    public void RemoveMembers(string run, IReadOnlyCollection<string> objectIds) => Write(c =>
    {
        foreach (var id in objectIds)
        {
            Execute(c, "DELETE FROM export_members WHERE run = $r AND object_id = $o", ("$r", run), ("$o", id));
        }

        Execute(c, "UPDATE exports SET records = (SELECT COUNT(*) FROM export_members WHERE run = $r) WHERE run = $r", ("$r", run));
    });

    public void SetExportState(string run, ExportState state) => Write(c =>
    {
        Execute(c, "UPDATE exports SET state = $s WHERE run = $r", ("$r", run), ("$s", state.ToString().ToLowerInvariant()));
        if (state == ExportState.Deleted)
        {
            // The pseudonymisation key goes with the export: its pseudonyms can no longer be linked back.
            Execute(c, "UPDATE exports SET wrapped_pseudonym_key = NULL WHERE run = $r", ("$r", run));
            Execute(c, "DELETE FROM export_members WHERE run = $r", ("$r", run));
        }
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

    // ---- plumbing ----

    private IReadOnlyList<VaultObject> Objects(string where, params (string, object?)[] parameters) => Query(c =>
    {
        using var command = Command(c, "SELECT id, subject, purpose, collected_at, expires_at, source, content_type, category, labels, size FROM objects " + where + " ORDER BY id", parameters);
        using var reader = command.ExecuteReader();
        var list = new List<VaultObject>();
        while (reader.Read())
        {
            list.Add(new VaultObject(reader.GetString(0), reader.GetString(1), reader.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetString(5), reader.GetString(6), reader.GetString(7),
                JsonSerializer.Deserialize<SortedDictionary<string, string>>(reader.GetString(8))!, reader.GetInt64(9)));
        }

        return (IReadOnlyList<VaultObject>)list;
    });

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; PRAGMA busy_timeout=10000;");
        return connection;
    }

    private T Query<T>(Func<SqliteConnection, T> work)
    {
        using var connection = Connect();
        return work(connection);
    }

    private T Write<T>(Func<SqliteConnection, T> work)
    {
        lock (_writeLock)
        {
            using var connection = Connect();
            using var transaction = connection.BeginTransaction();
            var result = work(connection);
            transaction.Commit();
            return result;
        }
    }

    private void Write(Action<SqliteConnection> work) => Write(c =>
    {
        work(c);
        return 0;
    });

    private static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            if (sql.Contains(name, StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }
        }

        return command;
    }

    private static int Execute(SqliteConnection connection, string sql, params (string, object?)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private static T Scalar<T>(SqliteConnection connection, string sql, params (string, object?)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        var value = command.ExecuteScalar();
        return value is null or DBNull ? default! : value is T typed ? typed : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture);
    }
}
