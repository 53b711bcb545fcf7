using System.Data;
using System.Data.Common;
using Npgsql;
using Obscura.Storage.Relational;

namespace Obscura.Storage.Postgres;

/// <summary>
/// The governance store on a PostgreSQL server, for deployments where several server processes share one database.
/// Every writer first takes a session advisory lock (<c>pg_advisory_lock</c>) outside any transaction, then begins a
/// REPEATABLE READ transaction, and unlocks after COMMIT or ROLLBACK; so writers of every process run one at a time,
/// like SQLite's <c>BEGIN IMMEDIATE</c>, and each reads one snapshot taken after the lock was granted, which holds every
/// earlier writer's commit: the ledger's next tree edge is computed by one writer from the committed tree, and a row
/// changed by raw SQL between a ledger check and the read it guards is not seen by either. The server releases the lock
/// when a crashed client's connection drops; a connection whose unlock fails is discarded, never pooled with the lock.
/// Reads run in a REPEATABLE READ, READ ONLY transaction: one snapshot.
/// </summary>
public sealed class PostgresGovernanceStore : GovernanceDatabase
{
    /// <summary>Advisory-lock key of the single writer ("obscuraW").</summary>
    internal const long WriterLockKey = 0x6F62_7363_7572_6157;

    private readonly NpgsqlDataSource _source;

    private PostgresGovernanceStore(NpgsqlDataSource source, string location)
    {
        _source = source;
        Location = location;
    }

    /// <inheritdoc />
    public override string Location { get; }

    /// <summary>
    /// The connections to this database, for a component that keeps tables of its own in it (the vault's catalogue,
    /// <c>vault_*</c>). Owned by this store: disposed with it.
    /// </summary>
    public DbDataSource DataSource => _source;

    private protected override RecordTableSql Tables => RecordTableSql.Postgres;

    /// <summary>Connects to the database that <paramref name="uri"/> names (see <see cref="PostgresUri"/>) and applies pending migrations.</summary>
    /// <exception cref="ArgumentException">Not a PostgreSQL URI Obscura understands.</exception>
    /// <exception cref="NpgsqlException">The server cannot be reached or refused the login.</exception>
    /// <exception cref="InvalidOperationException">The database was written by a newer Obscura.</exception>
    public static PostgresGovernanceStore Open(string uri)
    {
        var builder = PostgresUri.Parse(uri);
        var source = NpgsqlDataSource.Create(builder);
        try
        {
            string location;
            using (var connection = source.OpenConnection())
            {
                PostgresMigrations.Apply(connection);
                location = Connected(builder, connection);
            }

            return new PostgresGovernanceStore(source, location);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The database the server says <paramref name="connection"/> reached, for <see cref="Location"/> (and the mark
    /// <c>migrate</c> leaves in a moved file): a URI that leaves out the user or the database gets them from PGUSER or
    /// the login, so its text alone can name different databases.
    /// </summary>
    private static string Connected(NpgsqlConnectionStringBuilder builder, NpgsqlConnection connection)
    {
        using var who = new NpgsqlCommand("SELECT session_user, current_database()", connection);
        using var reader = who.ExecuteReader();
        reader.Read();
        return PostgresUri.Describe(new NpgsqlConnectionStringBuilder { Host = builder.Host, Port = builder.Port, Username = reader.GetString(0), Database = reader.GetString(1) });
    }

    internal override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    internal override async Task<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var tx = await ((NpgsqlConnection)connection).BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await RunAsync(connection, tx, "SET TRANSACTION READ ONLY", null, cancellationToken).ConfigureAwait(false);
        return tx;
    }

    internal override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // The lock before BEGIN: a repeatable-read snapshot taken by a lock statement inside the transaction would be
        // taken before the lock is granted and miss the commit of the writer it waited for; READ COMMITTED instead would
        // give each statement a snapshot of its own, so a check and the read it guards could see different rows.
        await RunAsync(connection, null, "SELECT pg_advisory_lock(@key)", WriterLockKey, cancellationToken).ConfigureAwait(false);
        return await ((NpgsqlConnection)connection).BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
    }

    internal override async Task EndWriteAsync(DbConnection connection)
    {
        try
        {
            // Also after a failed or cancelled BeginWriteAsync: the lock may have been granted as the wait was cancelled.
            await RunAsync(connection, null, "SELECT pg_advisory_unlock(@key)", WriterLockKey, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // Never back into the pool holding the lock: ClearPool closes this connection when it is returned, and the
            // server releases a session's locks when its connection closes.
            NpgsqlConnection.ClearPool((NpgsqlConnection)connection);
        }
    }

    private protected override void DisposeCore() => _source.Dispose();

    private static async Task RunAsync(DbConnection connection, NpgsqlTransaction? tx, string sql, long? key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, (NpgsqlConnection)connection, tx);
        if (key is { } k)
        {
            command.Parameters.AddWithValue("key", k);
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
