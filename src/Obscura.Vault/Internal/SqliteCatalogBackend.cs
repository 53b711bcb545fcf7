using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Obscura.Vault.Internal;

/// <summary>
/// The catalogue in the vault folder's own SQLite file (<c>vault.db</c>, WAL, synchronous=FULL, secure_delete): every
/// write is one <c>BEGIN IMMEDIATE</c> transaction (the write lock is taken at the start, so no transaction fails on
/// upgrading a read lock) and a busy connection waits for the lock rather than failing.
/// </summary>
internal sealed class SqliteCatalogBackend(string path) : CatalogBackend
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWrite,
        Pooling = true,
        DefaultTimeout = 60,
    }.ToString();

    public override string Location => path;

    public override string ReplaceSelectionSql => "INSERT OR REPLACE INTO selections VALUES ($p, $v, $t, $e, $o, $s)";

    public override DbConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; PRAGMA busy_timeout=60000;";
        command.ExecuteNonQuery();
        return connection;
    }

    public override DbTransaction BeginWrite(DbConnection connection) => ((SqliteConnection)connection).BeginTransaction(deferred: false);

    public override string Translate(string sql) => sql;

    public override string ParameterName(string name) => name;

    public override void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
