using System.Data.Common;
using Obscura.Governance.Storage;
using Obscura.Storage.Relational;

namespace Obscura.Storage;

/// <summary>
/// A relational governance store: the embedded SQLite file (<see cref="Sqlite.SqliteGovernanceStore"/>) or a
/// PostgreSQL database (<see cref="Postgres.PostgresGovernanceStore"/>). Both run the same SQL through one session
/// type; each backend decides how a write transaction is made the only writer (SQLite's <c>BEGIN IMMEDIATE</c>,
/// PostgreSQL's advisory lock taken before BEGIN), so the ledger's next tree edge is computed by one writer at a time
/// across every process that shares the database.
/// </summary>
public abstract class GovernanceDatabase : IGovernanceStore, IDisposable
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    private protected GovernanceDatabase()
    {
    }

    /// <summary>Raised after each write transaction of this process commits (not for other processes' commits); handlers must be quick and must not throw.</summary>
    public event EventHandler? Committed;

    /// <summary>Where the data lives, for people: the SQLite file's path, or the PostgreSQL URI without its password.</summary>
    public abstract string Location { get; }

    /// <summary>Whether this store has been disposed.</summary>
    protected bool IsDisposed { get; private set; }

    /// <summary>How this backend reads committed tables.</summary>
    private protected abstract RecordTableSql Tables { get; }

    /// <summary>How this backend reads committed tables, for sessions opened outside <see cref="ReadAsync{T}"/>.</summary>
    internal RecordTableSql TableSql => Tables;

    /// <inheritdoc />
    public async Task<T> ReadAsync<T>(Func<IGovernanceSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await BeginReadAsync(connection, cancellationToken).ConfigureAwait(false);
        var result = await work(new GovernanceSession(connection, tx, writable: false, Tables), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <inheritdoc />
    public async Task<T> WriteAsync<T>(Func<IGovernanceSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        // Writers of this process queue here rather than each holding a connection while it waits for the database's lock.
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        var committed = false;
        try
        {
            await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await using var tx = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
                var result = await work(new GovernanceSession(connection, tx, writable: true, Tables), cancellationToken).ConfigureAwait(false);
                // Cancellation after the work is done would lose a completed operation; commit regardless.
                await tx.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                committed = true;
                return result;
            }
            finally
            {
                await EndWriteAsync(connection).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
            if (committed)
            {
                Committed?.Invoke(this, EventArgs.Empty);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!IsDisposed)
        {
            IsDisposed = true;
            _writeLock.Dispose();
            DisposeCore();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the backend's connections.</summary>
    private protected abstract void DisposeCore();

    /// <summary>An open connection.</summary>
    internal abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>A transaction that reads one consistent snapshot.</summary>
    internal abstract Task<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// A transaction that holds the database's single-writer lock from before its first statement to its end, and reads
    /// one snapshot taken after the lock was granted. Call <see cref="EndWriteAsync"/> on the connection afterwards,
    /// also when this throws, once the transaction is disposed.
    /// </summary>
    internal abstract Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Releases what <see cref="BeginWriteAsync"/> holds beyond its transaction (nothing, unless the backend says otherwise); never throws.</summary>
    internal virtual Task EndWriteAsync(DbConnection connection) => Task.CompletedTask;
}
