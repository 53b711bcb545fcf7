using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Obscura.Security.Data;

/// <summary>Parameterised SQLite commands on a caller's connection (and its transaction): the small helpers the key stores share.</summary>
public static class SqliteCommands
{
    /// <summary>A command for <paramref name="sql"/> with its parameters bound (null as SQL NULL); the caller disposes it.</summary>
    public static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(parameters);
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    /// <summary>Runs <paramref name="sql"/> for its effect.</summary>
    public static void Execute(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        command.ExecuteNonQuery();
    }

    /// <summary>The first column of the first row as <typeparamref name="T"/>, or its default when there is no row or the value is NULL.</summary>
    public static T Scalar<T>(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        var value = command.ExecuteScalar();
        return value is null or DBNull ? default! : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture);
    }
}
