using Microsoft.Data.Sqlite;
using Obscura.Governance.Access;
using Obscura.Governance.Storage;
using Obscura.Governance.Subjects;
using Obscura.Security.Files;

namespace Obscura.Storage.Sqlite;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a committed transaction
/// survives a crash or power loss and an interrupted one leaves nothing behind. Writes use <c>BEGIN IMMEDIATE</c>
/// and are serialised within the process; other processes on the same file wait on SQLite's lock.
/// </summary>
public sealed class SqliteGovernanceStore : IGovernanceStore, IApiKeyStore, IDisposable
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private bool _disposed;

    private SqliteGovernanceStore(string connectionString) => _connectionString = connectionString;

    /// <summary>Full path of the database file.</summary>
    public string DatabasePath { get; private init; } = string.Empty;

    /// <summary>Opens (creating if needed) the database at <paramref name="databasePath"/> and applies pending migrations.</summary>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    /// <exception cref="InvalidOperationException">The database was written by a newer Obscura.</exception>
    public static SqliteGovernanceStore Open(string databasePath)
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
        return store;
    }

    /// <inheritdoc />
    public async Task<T> ReadAsync<T>(Func<IGovernanceSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await using var connection = OpenConnection();
        await using var tx = connection.BeginTransaction(deferred: true);
        var result = await work(new SqliteGovernanceSession(connection, tx, writable: false), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <inheritdoc />
    public async Task<T> WriteAsync<T>(Func<IGovernanceSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = OpenConnection();
            await using var tx = connection.BeginTransaction(deferred: false);
            var result = await work(new SqliteGovernanceSession(connection, tx, writable: true), cancellationToken).ConfigureAwait(false);
            // Cancellation after the work is done would lose a completed operation; commit regardless.
            await tx.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc />
    public Task<bool> InsertApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return WriteAsync(async (s, ct) =>
        {
            var session = (SqliteGovernanceSession)s;
            if (await session.ScalarAsync<long>("SELECT COUNT(*) FROM api_keys WHERE name = $name", ct, ("$name", key.Name)).ConfigureAwait(false) > 0)
            {
                return false;
            }

            await session.ExecuteAsync(
                "INSERT INTO api_keys (id, name, role, subject, secret_hash, created_at, revoked_at) VALUES ($id, $name, $role, $subject, $hash, $created, NULL)",
                ct,
                ("$id", key.Id),
                ("$name", key.Name),
                ("$role", (int)key.Role),
                ("$subject", key.Subject?.Value),
                ("$hash", key.SecretHash),
                ("$created", key.CreatedAt.ToUnixTimeMilliseconds())).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<ApiKeyRecord?> FindApiKeyAsync(string id, CancellationToken cancellationToken) =>
        ReadAsync((s, ct) => ((SqliteGovernanceSession)s).FirstAsync(KeyColumns + " WHERE id = $id", ReadKey, ct, ("$id", id)), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(CancellationToken cancellationToken) =>
        ReadAsync((s, ct) => ((SqliteGovernanceSession)s).QueryAsync(KeyColumns + " ORDER BY name", ReadKey, ct), cancellationToken);

    /// <inheritdoc />
    public Task<bool> RevokeApiKeyAsync(string name, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(async (s, ct) => await ((SqliteGovernanceSession)s).ExecuteAsync(
            "UPDATE api_keys SET revoked_at = $at WHERE name = $name AND revoked_at IS NULL", ct, ("$at", at.ToUnixTimeMilliseconds()), ("$name", name)).ConfigureAwait(false) == 1, cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _writeLock.Dispose();
            SqliteConnection.ClearAllPools();
        }
    }

    private const string KeyColumns = "SELECT id, name, role, subject, secret_hash, created_at, revoked_at FROM api_keys";

    private static ApiKeyRecord ReadKey(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        (Role)r.GetInt32(2),
        r.IsDBNull(3) ? null : SubjectId.Parse(r.GetString(3)),
        (byte[])r[4],
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)),
        r.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)));

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
