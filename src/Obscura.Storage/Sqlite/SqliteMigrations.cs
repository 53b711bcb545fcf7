using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Obscura.Storage.Sqlite;

/// <summary>
/// Ordered schema migrations, applied on open, each in its own write transaction together with its version row, and
/// only if no other process applied it first. A database written by a newer Obscura (a version this build does not
/// know) is refused rather than guessed at.
/// </summary>
internal static class SqliteMigrations
{
    private static readonly (int Version, string Sql)[] All =
    [
        (1, """
            CREATE TABLE subjects (
                id TEXT PRIMARY KEY,
                registered_at INTEGER NOT NULL
            ) WITHOUT ROWID;

            CREATE TABLE purposes (
                id TEXT PRIMARY KEY,
                definition TEXT NOT NULL,
                registered_at INTEGER NOT NULL
            ) WITHOUT ROWID;

            CREATE TABLE consent_events (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                subject TEXT NOT NULL REFERENCES subjects(id),
                purpose TEXT NOT NULL REFERENCES purposes(id),
                kind INTEGER NOT NULL,
                at INTEGER NOT NULL,
                notice_version TEXT NOT NULL,
                explicit INTEGER NOT NULL,
                channel TEXT NOT NULL,
                actor TEXT NOT NULL
            );
            CREATE INDEX consent_events_by_subject ON consent_events(subject, purpose, seq);

            CREATE TABLE objection_events (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                subject TEXT NOT NULL REFERENCES subjects(id),
                purpose TEXT NOT NULL REFERENCES purposes(id),
                kind INTEGER NOT NULL,
                at INTEGER NOT NULL,
                actor TEXT NOT NULL
            );
            CREATE INDEX objection_events_by_subject ON objection_events(subject, purpose, seq);

            CREATE TABLE assessments (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                from_purpose TEXT NOT NULL REFERENCES purposes(id),
                to_purpose TEXT NOT NULL REFERENCES purposes(id),
                draft TEXT NOT NULL,
                assessed_at INTEGER NOT NULL
            );
            CREATE INDEX assessments_by_pair ON assessments(from_purpose, to_purpose, seq);

            CREATE TABLE ledger_entries (
                seq INTEGER PRIMARY KEY,
                recorded_at INTEGER NOT NULL,
                actor TEXT NOT NULL,
                action INTEGER NOT NULL,
                category TEXT NOT NULL,
                subject TEXT,
                purpose TEXT,
                from_location TEXT,
                to_location TEXT,
                reference TEXT
            );
            CREATE INDEX ledger_entries_by_subject ON ledger_entries(subject, seq) WHERE subject IS NOT NULL;

            CREATE TABLE ledger_nodes (
                level INTEGER NOT NULL,
                idx INTEGER NOT NULL,
                hash BLOB NOT NULL,
                PRIMARY KEY (level, idx)
            ) WITHOUT ROWID;

            CREATE TABLE ledger_heads (
                tree_size INTEGER PRIMARY KEY,
                root BLOB NOT NULL,
                signed_at INTEGER NOT NULL,
                key_id TEXT NOT NULL,
                signature BLOB NOT NULL
            );

            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                role INTEGER NOT NULL,
                subject TEXT,
                secret_hash BLOB NOT NULL,
                created_at INTEGER NOT NULL,
                revoked_at INTEGER
            ) WITHOUT ROWID;
            """ + AppendOnly("consent_events", "objection_events", "assessments", "ledger_entries", "ledger_nodes", "ledger_heads")),
        (2, """
            CREATE TABLE privacy_budgets (
                dataset TEXT NOT NULL,
                purpose TEXT NOT NULL,
                epsilon REAL NOT NULL,
                delta REAL NOT NULL,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (dataset, purpose)
            ) WITHOUT ROWID;

            CREATE TABLE privacy_charges (
                seq INTEGER PRIMARY KEY,
                dataset TEXT NOT NULL,
                purpose TEXT NOT NULL,
                concentrated INTEGER NOT NULL,
                numerator TEXT NOT NULL,
                denominator TEXT NOT NULL,
                query TEXT NOT NULL,
                charged_at INTEGER NOT NULL
            );
            CREATE INDEX privacy_charges_budget ON privacy_charges (dataset, purpose);
            """ + AppendOnly("privacy_budgets", "privacy_charges")),
        (3, """
            ALTER TABLE ledger_entries ADD COLUMN record_table TEXT;
            ALTER TABLE ledger_entries ADD COLUMN record_key TEXT;
            ALTER TABLE ledger_entries ADD COLUMN content_hash BLOB;
            CREATE INDEX ledger_entries_by_record ON ledger_entries(record_table, record_key, seq) WHERE record_table IS NOT NULL;
            CREATE INDEX ledger_entries_by_record_purpose ON ledger_entries(record_table, purpose, subject) WHERE record_table IS NOT NULL;
            CREATE INDEX ledger_entries_by_record_seq ON ledger_entries(record_table, seq) WHERE record_table IS NOT NULL;

            CREATE TABLE access_log (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                recorded_at INTEGER NOT NULL,
                actor TEXT NOT NULL,
                action INTEGER NOT NULL,
                category TEXT NOT NULL,
                subject TEXT,
                purpose TEXT,
                from_location TEXT,
                to_location TEXT,
                reference TEXT
            );
            CREATE INDEX access_log_by_subject ON access_log(subject, seq) WHERE subject IS NOT NULL;
            """ + AppendOnly("access_log")),
        (4, """
            -- A charge whose cost is not a rational ε or ρ (T steps of the Poisson-subsampled Gaussian, DP-SGD) names
            -- its mechanism and parameters here; its rational columns are then 0/1 and unused. NULL on every earlier
            -- row, which keeps its meaning and its content hash (see SqliteRecordTables).
            ALTER TABLE privacy_charges ADD COLUMN mechanism TEXT;
            """),
        (5, """
            -- Set by `obscura migrate` in the same transaction that copied every row out (under the write lock): the
            -- records now live in the database named here, and this file refuses every later read and write, so a
            -- process still serving the old folder cannot commit a write the copy never saw.
            CREATE TABLE moved_to (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                location TEXT NOT NULL,
                moved_at TEXT NOT NULL
            );
            """),
        (6, """
            -- Accountability documents of a purpose (legitimate-interests assessment, DPIA, Art. 36 prior consultation,
            -- Art. 28 processor review) and objections of anonymous visitors (Art. 21): a JSON body per row, each row
            -- committed to the ledger by the hash of its content. The latest document of a kind is in force.
            CREATE TABLE purpose_documents (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                purpose TEXT NOT NULL REFERENCES purposes(id),
                kind TEXT NOT NULL,
                body TEXT NOT NULL,
                recorded_at INTEGER NOT NULL,
                actor TEXT NOT NULL
            );
            CREATE INDEX purpose_documents_by_kind ON purpose_documents(purpose, kind, seq);
            """ + AppendOnly("purpose_documents")),
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int LatestVersion => All[^1].Version;

    public static void Apply(SqliteConnection connection)
    {
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)";
            create.ExecuteNonQuery();
        }

        using (var current = connection.CreateCommand())
        {
            current.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
            var version = Convert.ToInt32(current.ExecuteScalar(), CultureInfo.InvariantCulture);
            if (version > LatestVersion)
            {
                throw new InvalidOperationException($"The database has schema version {version}, newer than this build of Obscura understands ({LatestVersion}). Upgrade Obscura.");
            }

            foreach (var (v, sql) in All.Where(m => m.Version > version))
            {
                // BEGIN IMMEDIATE, then look again: another process that opened the file at the same time may have
                // applied this migration while this one waited for the write lock.
                using var tx = connection.BeginTransaction(deferred: false);
                using var migrate = connection.CreateCommand();
                migrate.Transaction = tx;
                migrate.CommandText = "SELECT COUNT(*) FROM schema_migrations WHERE version = $v";
                migrate.Parameters.AddWithValue("$v", v);
                if (Convert.ToInt64(migrate.ExecuteScalar(), CultureInfo.InvariantCulture) > 0)
                {
                    continue;
                }

                migrate.Parameters.Clear();
                migrate.CommandText = sql;
                migrate.ExecuteNonQuery();
                migrate.CommandText = "INSERT INTO schema_migrations (version, applied_at) VALUES ($v, $at)";
                migrate.Parameters.AddWithValue("$v", v);
                migrate.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
                migrate.ExecuteNonQuery();
                tx.Commit();
            }
        }
    }

    /// <summary>Triggers that make history tables append-only from inside the database as well as in code.</summary>
    private static string AppendOnly(params string[] tables) => string.Concat(tables.Select(t => $"""

        CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t} BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;
        CREATE TRIGGER {t}_no_delete BEFORE DELETE ON {t} BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;
        """));
}
