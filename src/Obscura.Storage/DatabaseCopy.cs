using System.Data.Common;
using Obscura.Governance.Ledger;
using Obscura.Storage.Postgres;
using Obscura.Storage.Relational;

namespace Obscura.Storage;

/// <summary>
/// Moves a governance database to another backend (SQLite to PostgreSQL, for <c>obscura migrate</c>): every row of
/// every table, with its sequence number and every column as stored, read from one snapshot of the source and written
/// in one transaction of the target under its writer lock, so a failure leaves the target empty. Rows are copied as
/// they are, so each committed row keeps its content hash and the ledger its tree: the target's signed heads are the
/// source's. Both stores must be at the same schema version (both are migrated to this build's on open).
/// </summary>
public static class DatabaseCopy
{
    /// <summary>The tables in the order they are copied (referenced before referencing).</summary>
    public static IReadOnlyList<string> Tables { get; } =
    [
        "subjects", "purposes", "consent_events", "objection_events", "assessments", "api_keys",
        "privacy_budgets", "privacy_charges", "access_log", "ledger_entries", "ledger_nodes", "ledger_heads",
    ];

    /// <summary>
    /// Copies every row of <paramref name="source"/> (the embedded SQLite file) into the empty <paramref name="target"/>
    /// and marks the source as moved. The source's write lock is held from the first read to the end, so no process
    /// commits a write to the source that the copy does not hold; the source is marked moved in that same transaction,
    /// committed only after the target's, so every process still serving the source refuses its next read or write
    /// instead of writing where nobody will look.
    /// </summary>
    /// <returns>The row count of each table, and the source's latest signed head as the copy saw it (the head the target must have).</returns>
    /// <exception cref="InvalidOperationException">The target already holds rows: nothing is copied.</exception>
    /// <exception cref="DatabaseMovedException">The source was already moved.</exception>
    /// <exception cref="NotSupportedException">The source is not a SQLite file.</exception>
    public static async Task<DatabaseCopyResult> CopyAsync(GovernanceDatabase source, GovernanceDatabase target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (source is not Sqlite.SqliteGovernanceStore)
        {
            throw new NotSupportedException($"Obscura moves a governance database only out of the embedded SQLite file, not out of {source.Location}.");
        }

        await using var from = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var read = await source.BeginWriteAsync(from, cancellationToken).ConfigureAwait(false);
        await using var to = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var write = await target.BeginWriteAsync(to, cancellationToken).ConfigureAwait(false);

        foreach (var table in Tables)
        {
            if (await CountAsync(to, write, table, cancellationToken).ConfigureAwait(false) > 0)
            {
                throw new InvalidOperationException($"The target database {target.Location} already holds {table} rows; Obscura migrates only into an empty database.");
            }
        }

        var head = await new GovernanceSession(from, read, writable: false, source.TableSql).GetLatestTreeHeadAsync(cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in Tables)
        {
            counts[table] = await CopyTableAsync(from, read, to, write, table, cancellationToken).ConfigureAwait(false);
        }

        if (target is PostgresGovernanceStore)
        {
            // Rows came with their numbers: new rows must be numbered after them.
            foreach (var table in PostgresMigrations.IdentityTables)
            {
                await using var command = Command(to, write, $"SELECT setval(pg_get_serial_sequence('{table}', 'seq'), COALESCE((SELECT MAX(seq) FROM {table}), 0) + 1, false)");
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await Sqlite.SqliteGovernanceStore.MarkMovedAsync(from, read, target.Location, cancellationToken).ConfigureAwait(false);

        // The target first: a failure there leaves the source unmarked and serving. A crash between the two commits
        // leaves both holding the same rows with the source unmarked; `migrate` then refuses (the target is not empty)
        // and docs/postgresql.md says how to finish by hand.
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        await read.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        return new DatabaseCopyResult(counts, head);
    }

    /// <summary>The latest signed tree head of <paramref name="store"/>, or <see langword="null"/> for an empty ledger.</summary>
    public static Task<SignedTreeHead?> LatestHeadAsync(GovernanceDatabase store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.ReadAsync((s, ct) => s.GetLatestTreeHeadAsync(ct), cancellationToken);
    }

    private static async Task<long> CopyTableAsync(DbConnection from, DbTransaction read, DbConnection to, DbTransaction write, string table, CancellationToken cancellationToken)
    {
        await using var select = Command(from, read, $"SELECT * FROM {table}");
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
        await using var insert = Command(to, write, $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => "@c" + i))})");
        var parameters = columns.Select((_, i) =>
        {
            var p = insert.CreateParameter();
            p.ParameterName = "@c" + i;
            insert.Parameters.Add(p);
            return p;
        }).ToArray();

        long rows = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            for (var i = 0; i < columns.Length; i++)
            {
                parameters[i].Value = reader.GetValue(i);
            }

            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            rows++;
        }

        return rows;
    }

    private static async Task<long> CountAsync(DbConnection connection, DbTransaction tx, string table, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, tx, $"SELECT COUNT(*) FROM {table}");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static DbCommand Command(DbConnection connection, DbTransaction tx, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command;
    }
}
