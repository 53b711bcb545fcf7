using System.Data.Common;
using Obscura.Governance.Ledger;
using Obscura.Storage.Postgres;
using Obscura.Storage.Relational;

namespace Obscura.Storage;

/// <summary>
/// Moves a governance database to another backend (SQLite to PostgreSQL, for <c>obscura migrate</c>): every row of
/// every table, with its sequence number and every column as stored, read from the source once it is marked moved (so
/// nothing writes to it any more) and written in one transaction of the target under its writer lock. Rows are copied as
/// they are, so each committed row keeps its content hash and the ledger its tree: the target's signed heads are the
/// source's. Both stores must be at the same schema version (both are migrated to this build's on open).
/// </summary>
public static class DatabaseCopy
{
    /// <summary>The tables in the order they are copied (referenced before referencing).</summary>
    public static IReadOnlyList<string> Tables { get; } =
    [
        "subjects", "purposes", "consent_events", "objection_events", "assessments", "purpose_documents", "api_keys",
        "privacy_budgets", "privacy_charges", "access_log", "ledger_entries", "ledger_nodes", "ledger_heads",
    ];

    /// <summary>The primary key of each table: rows are compared in this order, which is the same on both backends (text in byte order).</summary>
    private static readonly Dictionary<string, string> Keys = new(StringComparer.Ordinal)
    {
        ["subjects"] = "id",
        ["purposes"] = "id",
        ["consent_events"] = "seq",
        ["objection_events"] = "seq",
        ["assessments"] = "seq",
        ["purpose_documents"] = "seq",
        ["api_keys"] = "id",
        ["privacy_budgets"] = "dataset, purpose",
        ["privacy_charges"] = "seq",
        ["access_log"] = "seq",
        ["ledger_entries"] = "seq",
        ["ledger_nodes"] = "level, idx",
        ["ledger_heads"] = "tree_size",
    };

    /// <summary>
    /// Moves every row of <paramref name="source"/> (the embedded SQLite file) into the empty <paramref name="target"/>.
    /// Under the target's writer lock, the source is first marked moved in a transaction that holds its write lock and
    /// commits before any row is copied: from then on no process writes to the file (this build refuses every
    /// transaction on it; triggers refuse the writes of any other), so the rows copied next are the file's last state.
    /// The copy is then written in one transaction of the target. A crash at any point leaves one of three states, each
    /// safe and each finished by calling this again with the same target: nothing marked (the target is empty); marked
    /// with the target still empty (the copy runs again from the frozen file); marked and copied (reported as
    /// <see cref="DatabaseCopyResult.AlreadyComplete"/>, after checking that the target holds exactly the file's rows).
    /// </summary>
    /// <returns>The row count of each table, and the source's latest signed head (the head the target must have).</returns>
    /// <exception cref="InvalidOperationException">The target holds rows that are not this file's copy: nothing is marked or copied.</exception>
    /// <exception cref="DatabaseMovedException">The source was already moved to another database.</exception>
    /// <exception cref="NotSupportedException">The source is not a SQLite file.</exception>
    public static async Task<DatabaseCopyResult> CopyAsync(GovernanceDatabase source, GovernanceDatabase target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (source is not Sqlite.SqliteGovernanceStore)
        {
            throw new NotSupportedException($"Obscura moves a governance database only out of the embedded SQLite file, not out of {source.Location}.");
        }

        await using var to = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await CopyLockedAsync(source, target, to, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await target.EndWriteAsync(to).ConfigureAwait(false);
        }
    }

    private static async Task<DatabaseCopyResult> CopyLockedAsync(GovernanceDatabase source, GovernanceDatabase target, DbConnection to, CancellationToken cancellationToken)
    {
        // The target's writer lock first, held to the end: nobody fills the target between its check and the copy.
        await using var write = await target.BeginWriteAsync(to, cancellationToken).ConfigureAwait(false);
        var targetRows = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in Tables)
        {
            targetRows[table] = await CountAsync(to, write, table, cancellationToken).ConfigureAwait(false);
        }

        // The source's connection is raw, not through the store's checked transactions: a marked file is read here.
        await using var from = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var targetEmpty = targetRows.Values.All(n => n == 0);
        var alreadyMarked = await MarkAsync((Microsoft.Data.Sqlite.SqliteConnection)from, target.Location, targetEmpty, cancellationToken).ConfigureAwait(false);

        // A read (deferred) transaction: the file no longer changes, and nothing needs its write lock now.
        await using var read = ((Microsoft.Data.Sqlite.SqliteConnection)from).BeginTransaction(deferred: true);
        var head = await new GovernanceSession(from, read, writable: false, source.TableSql).GetLatestTreeHeadAsync(cancellationToken).ConfigureAwait(false);
        if (!targetEmpty)
        {
            // Only reached for a file already marked moved to this target (MarkAsync refuses otherwise): a finished move,
            // if the target holds exactly the file's rows and head.
            return await AlreadyCopiedAsync(from, read, target, to, write, targetRows, head, cancellationToken).ConfigureAwait(false);
        }

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

        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new DatabaseCopyResult(counts, head) { Resumed = alreadyMarked };
    }

    /// <summary>
    /// Marks the file moved to <paramref name="location"/> under its write lock, unless it already is; returns whether it
    /// already was. Refuses a file moved elsewhere, and an unmarked file whose target is not empty (marking nothing).
    /// </summary>
    private static async Task<bool> MarkAsync(Microsoft.Data.Sqlite.SqliteConnection from, string location, bool targetEmpty, CancellationToken cancellationToken)
    {
        // BEGIN IMMEDIATE: a writer of another process either committed before (its rows are copied) or waits and then
        // finds the mark.
        await using var mark = from.BeginTransaction(deferred: false);
        var moved = Sqlite.SqliteGovernanceStore.MovedTo(from, mark);
        if (moved is { } m)
        {
            if (!string.Equals(m.Location, location, StringComparison.Ordinal))
            {
                throw new DatabaseMovedException(from.DataSource, m.Location, m.MovedAt);
            }

            return true;
        }

        if (!targetEmpty)
        {
            throw new InvalidOperationException($"The target database {location} already holds rows; Obscura migrates only into an empty database.");
        }

        await Sqlite.SqliteGovernanceStore.MarkMovedAsync(from, mark, location, cancellationToken).ConfigureAwait(false);
        await mark.CommitAsync(cancellationToken).ConfigureAwait(false);
        return false;
    }

    private static async Task<DatabaseCopyResult> AlreadyCopiedAsync(DbConnection from, DbTransaction read, GovernanceDatabase target, DbConnection to, DbTransaction write, Dictionary<string, long> targetRows, SignedTreeHead? head, CancellationToken cancellationToken)
    {
        var sourceRows = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in Tables)
        {
            sourceRows[table] = await CountAsync(from, read, table, cancellationToken).ConfigureAwait(false);
        }

        var targetHead = await new GovernanceSession(to, write, writable: false, target.TableSql).GetLatestTreeHeadAsync(cancellationToken).ConfigureAwait(false);
        var sameHead = head is null ? targetHead is null : targetHead is not null && targetHead.TreeSize == head.TreeSize && targetHead.RootHash.AsSpan().SequenceEqual(head.RootHash);
        var same = sameHead && Tables.All(t => sourceRows[t] == targetRows[t]);
        foreach (var table in Tables)
        {
            // Equal counts and an equal head are not the same rows: a row changed on the target, or another folder's rows
            // (access-log rows not yet in the ledger, under no head or the same one) copied into a target this file names.
            same = same && await SameRowsAsync(from, read, to, write, table, cancellationToken).ConfigureAwait(false);
        }

        if (!same)
        {
            throw new InvalidOperationException($"The governance database was already moved to {target.Location}, and that database has changed since (other rows or another ledger head): there is nothing left to move. Use --database.");
        }

        return new DatabaseCopyResult(sourceRows, head) { AlreadyComplete = true, Resumed = true };
    }

    /// <summary>
    /// Whether the SQLite file at <paramref name="sqliteFile"/> is marked moved to <paramref name="target"/> while the target
    /// holds none of the copied tables' rows and the file does: a move interrupted during its copy.
    /// </summary>
    internal static async Task<bool> UnfinishedMoveIntoAsync(string sqliteFile, GovernanceDatabase target, CancellationToken cancellationToken)
    {
        using var source = Sqlite.SqliteGovernanceStore.Open(sqliteFile, allowMoved: true);
        await using var from = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var read = ((Microsoft.Data.Sqlite.SqliteConnection)from).BeginTransaction(deferred: true);
        if (Sqlite.SqliteGovernanceStore.MovedTo(from, read) is not { } moved || !string.Equals(moved.Location, target.Location, StringComparison.Ordinal))
        {
            return false;
        }

        await using var to = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var targetRead = await target.BeginReadAsync(to, cancellationToken).ConfigureAwait(false);
        foreach (var table in Tables)
        {
            if (await CountAsync(to, targetRead, table, cancellationToken).ConfigureAwait(false) > 0)
            {
                return false;
            }
        }

        foreach (var table in Tables)
        {
            if (await CountAsync(from, read, table, cancellationToken).ConfigureAwait(false) > 0)
            {
                return true;
            }
        }

        return false;
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

    /// <summary>Whether <paramref name="table"/> holds the same rows, column by column, on both sides.</summary>
    private static async Task<bool> SameRowsAsync(DbConnection from, DbTransaction read, DbConnection to, DbTransaction write, string table, CancellationToken cancellationToken)
    {
        await using var select = Command(from, read, $"SELECT * FROM {table} ORDER BY {Keys[table]}");
        await using var source = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var columns = Enumerable.Range(0, source.FieldCount).Select(source.GetName).ToArray();
        await using var selectTarget = Command(to, write, $"SELECT {string.Join(", ", columns)} FROM {table} ORDER BY {Keys[table]}");
        await using var target = await selectTarget.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var more = await source.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (more != await target.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            if (!more)
            {
                return true;
            }

            for (var i = 0; i < columns.Length; i++)
            {
                if (!Equals(Canonical(source.GetValue(i)), Canonical(target.GetValue(i))))
                {
                    return false;
                }
            }
        }
    }

    /// <summary>A column's value as both backends return it: SQLite's integers are 64-bit, PostgreSQL's INTEGER 32-bit.</summary>
    private static object? Canonical(object value) => value switch
    {
        DBNull => null,
        byte[] bytes => Convert.ToHexString(bytes),
        string or double => value,
        float f => (double)f,
        _ => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
    };

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
