using Microsoft.Data.Sqlite;
using Obscura.Governance.Access;

namespace Obscura.Server.Tests;

/// <summary>Raw SQL on a test server's SQLite file, as an insider with the file would run it (the ledger's update triggers dropped).</summary>
internal static class ConsoleTamper
{
    /// <summary>Three key creations: ledger entries 0 to 2, at least.</summary>
    public static void Keys(ServerFixture server)
    {
        server.KeyOf(Role.Controller);
        server.KeyOf(Role.Auditor);
        server.KeyOf(Role.Processor);
    }

    /// <summary>Runs <paramref name="sql"/>, which must change exactly one row.</summary>
    public static void Tamper(ServerFixture server, string sql)
    {
        SqliteConnection.ClearAllPools();
        using var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "obscura.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DROP TRIGGER IF EXISTS ledger_entries_no_update; DROP TRIGGER IF EXISTS ledger_nodes_no_update; " + sql;
        Assert.Equal(1, command.ExecuteNonQuery());
    }
}
