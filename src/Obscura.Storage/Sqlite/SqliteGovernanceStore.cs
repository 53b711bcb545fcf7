using System.Data.Common;
using Microsoft.Data.Sqlite;
using Obscura.Security.Files;
using Obscura.Storage.Relational;

namespace Obscura.Storage.Sqlite;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a committed transaction
/// survives a crash or power loss and an interrupted one leaves nothing behind. Writes use <c>BEGIN IMMEDIATE</c>
/// and are serialised within the process; other processes on the same file wait on SQLite's lock.
/// </summary>
public sealed class SqliteGovernanceStore : GovernanceDatabase
{
    private static readonly string[] WriteStatements = ["INSERT", "UPDATE", "DELETE"];
    private readonly string _connectionString;

    private SqliteGovernanceStore(string connectionString) => _connectionString = connectionString;

    /// <summary>Full path of the database file.</summary>
    public string DatabasePath { get; private init; } = string.Empty;

    /// <summary>Opens (creating if needed) the database at <paramref name="databasePath"/> and applies pending migrations.</summary>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    /// <exception cref="InvalidOperationException">The database was written by a newer Obscura.</exception>
    public static SqliteGovernanceStore Open(string databasePath) => Open(databasePath, allowMoved: false);

    /// <summary>
    /// Opens the database at <paramref name="databasePath"/> for <see cref="DatabaseCopy"/>: as <see cref="Open(string)"/>,
    /// but a file already marked moved is opened too (its transactions still refuse; the copy reads it directly), so that
    /// a move interrupted after the mark can be finished.
    /// </summary>
    internal static SqliteGovernanceStore Open(string databasePath, bool allowMoved)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        var full = Path.GetFullPath(databasePath);
        OwnerOnlyFiles.CreateDirectory(Path.GetDirectoryName(full)!);
        if (!File.Exists(full))
        {
            // SQLite gives the -wal and -shm files the database's own mode: create it owner-only before SQLite opens it.
            OwnerOnlyFiles.Create(full).Dispose();
        }

        OwnerOnlyFiles.Restrict(full);
        var cs = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
            ForeignKeys = true,
        }.ToString();
        var store = new SqliteGovernanceStore(cs) { DatabasePath = full };
        using var connection = store.OpenConnection();
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL";
            wal.ExecuteNonQuery();
        }

        SqliteMigrations.Apply(connection);
        if (!allowMoved)
        {
            ThrowIfMoved(connection, null);
        }

        return store;
    }

    /// <inheritdoc />
    public override string Location => DatabasePath;

    private protected override RecordTableSql Tables => RecordTableSql.Sqlite;

    internal override Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) => Task.FromResult<DbConnection>(OpenConnection());

    internal override Task<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(Checked((SqliteConnection)connection, deferred: true));

    // BEGIN IMMEDIATE takes SQLite's write lock at once: other processes' writers wait on it (DefaultTimeout).
    internal override Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(Checked((SqliteConnection)connection, deferred: false));

    /// <summary>
    /// Within <paramref name="transaction"/> (a write transaction of this store), records that every row now lives at
    /// <paramref name="location"/>, after which this file refuses every read and write in every process.
    /// </summary>
    internal static async Task MarkMovedAsync(DbConnection connection, DbTransaction transaction, string location, CancellationToken cancellationToken)
    {
        await using var mark = connection.CreateCommand();
        mark.Transaction = transaction;
        mark.CommandText = "INSERT INTO moved_to (id, location, moved_at) VALUES (1, $location, $at)";
        ((SqliteCommand)mark).Parameters.AddWithValue("$location", location);
        ((SqliteCommand)mark).Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

        // `Checked` stops this build; a process running an older build (which never reads moved_to) or a raw connection
        // kept open across the move would still write here. The file refuses those writes itself.
        await using var refuse = connection.CreateCommand();
        refuse.Transaction = transaction;
        refuse.CommandText = string.Concat(DatabaseCopy.Tables.SelectMany(t => WriteStatements.Select(op => $"""
            CREATE TRIGGER {t}_moved_{op.ToLowerInvariant()} BEFORE {op} ON {t}
            BEGIN SELECT RAISE(ABORT, '{t}: this file was moved by obscura migrate (see table moved_to); use --database'); END;
            """)));
        await refuse.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A transaction on a file that has not been moved: the check runs inside the transaction, after the lock (for a
    /// write) or the snapshot (for a read) is taken, so a process that opened the file before <c>migrate</c> sees the
    /// mark the moment the copy commits and never reads or writes the abandoned file again.
    /// </summary>
    private static SqliteTransaction Checked(SqliteConnection connection, bool deferred)
    {
        var tx = connection.BeginTransaction(deferred);
        try
        {
            ThrowIfMoved(connection, tx);
            return tx;
        }
        catch
        {
            tx.Dispose();
            throw;
        }
    }

    private static void ThrowIfMoved(SqliteConnection connection, SqliteTransaction? tx)
    {
        if (MovedTo(connection, tx) is { } moved)
        {
            throw new DatabaseMovedException(connection.DataSource, moved.Location, moved.MovedAt);
        }
    }

    /// <summary>Where and when the file was moved, or <see langword="null"/> if it was not.</summary>
    internal static (string Location, string MovedAt)? MovedTo(DbConnection connection, DbTransaction? transaction)
    {
        using var moved = connection.CreateCommand();
        moved.Transaction = transaction;
        moved.CommandText = "SELECT location, moved_at FROM moved_to WHERE id = 1";
        using var reader = moved.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.GetString(1)) : null;
    }

    private protected override void DisposeCore() => SqliteConnection.ClearAllPools();

    private SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous=FULL";
        pragma.ExecuteNonQuery();
        return connection;
    }
}
