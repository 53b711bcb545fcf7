using Microsoft.Data.Sqlite;
using Obscura.Security.Files;
using static Obscura.Security.Data.SqliteCommands;

namespace Obscura.Security.Data;

/// <summary>
/// A SQLite database that several processes share through one data folder: created owner-only before SQLite opens it
/// (its -wal and -shm files take its mode), every write one <c>BEGIN IMMEDIATE</c> transaction, so processes serialise
/// on SQLite's lock and a check and the change it allows are atomic. Writers of one process queue on an in-process
/// gate for the milliseconds of a transaction, and other processes on SQLite's busy handler (short, growing steps;
/// Microsoft.Data.Sqlite's own retry sleeps 150 ms per attempt), so no writer sleeps in a fixed retry interval.
/// </summary>
public sealed class SqliteStateFile : IDisposable
{
    private readonly string _connectionString;
    private readonly Lock _writers = new();
    private bool _disposed;

    /// <summary>Creates (owner-only, if missing) the database <paramref name="path"/>; its folder must exist.</summary>
    public SqliteStateFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            OwnerOnlyFiles.Create(path).Dispose();
        }

        Path = path;
        _connectionString = ConnectionString(path);
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>The pooled read-write connection string for <paramref name="path"/> that Obscura's stores use.</summary>
    public static string ConnectionString(string path) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 60,
    }.ToString();

    /// <summary>
    /// An open connection with this use's pragmas (a pooled connection keeps its pragmas): <c>synchronous=FULL</c>
    /// when <paramref name="durable"/> (on disk at commit), else <c>NORMAL</c> (survives a process crash in WAL mode).
    /// </summary>
    public SqliteConnection Connect(bool durable = true)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, durable
            ? "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; PRAGMA busy_timeout=60000;"
            : "PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON; PRAGMA busy_timeout=60000;");
        return connection;
    }

    /// <summary>Runs <paramref name="work"/> in one write transaction (<c>BEGIN IMMEDIATE</c>), committed if it returns.</summary>
    public T InWrite<T>(bool durable, Func<SqliteConnection, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var connection = Connect(durable);
        lock (_writers)
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            var result = work(connection);
            transaction.Commit();
            return result;
        }
    }

    /// <summary>Runs <paramref name="work"/> in one read transaction (a consistent snapshot).</summary>
    public T InRead<T>(Func<SqliteConnection, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var connection = Connect();
        using var transaction = connection.BeginTransaction(deferred: true);
        return work(connection);
    }

    /// <summary>Closes this database's pooled connections; later use throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
