using Microsoft.Data.Sqlite;

namespace Obscura.Storage.Tests;

/// <summary>Direct SQL on the database file, as an attacker with file access would do it: foreign keys off and every trigger dropped first.</summary>
internal static class RawDatabase
{
    /// <summary>Drops every trigger, runs <paramref name="sql"/> and returns the number of rows it changed.</summary>
    public static int Tamper(string databasePath, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        var triggers = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'trigger'";
            using var reader = list.ExecuteReader();
            while (reader.Read())
            {
                triggers.Add(reader.GetString(0));
            }
        }

        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA foreign_keys = OFF;" + string.Concat(triggers.Select(t => $"DROP TRIGGER \"{t}\";")) + sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteNonQuery();
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
