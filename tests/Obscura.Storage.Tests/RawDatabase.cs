using Microsoft.Data.Sqlite;

namespace Obscura.Storage.Tests;

/// <summary>Direct SQL on the database file, as an attacker with file access would do it: triggers dropped first.</summary>
internal static class RawDatabase
{
    public static void Tamper(string databasePath, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            DROP TRIGGER IF EXISTS ledger_entries_no_update; DROP TRIGGER IF EXISTS ledger_entries_no_delete;
            DROP TRIGGER IF EXISTS ledger_nodes_no_update; DROP TRIGGER IF EXISTS ledger_nodes_no_delete;
            DROP TRIGGER IF EXISTS ledger_heads_no_update; DROP TRIGGER IF EXISTS ledger_heads_no_delete;
            """ + sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }

    public static void Execute(string databasePath, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
