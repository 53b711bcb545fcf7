using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Npgsql;
using Obscura.TestSupport;

namespace Obscura.Storage.Tests;

/// <summary>
/// Direct SQL on the database, as an attacker with access to the file or to a PostgreSQL superuser login would do it:
/// foreign keys off and every trigger bypassed first (SQLite: triggers dropped; PostgreSQL:
/// <c>session_replication_role = replica</c>). The same SQL runs on both: <c>$name</c> parameters become
/// <c>@name</c>; on PostgreSQL, SQLite's <c>X'…'</c> blob literals become <c>bytea</c> and <c>zeroblob(n)</c> and
/// <c>randomblob(n)</c> are defined as functions.
/// </summary>
internal static partial class RawDatabase
{
    /// <summary>Bypasses every trigger and foreign key, runs <paramref name="sql"/> and returns the number of rows it changed.</summary>
    public static int Tamper(GovernanceFixture f, string sql, params (string Name, object Value)[] parameters) =>
        Run(f, sql, bypass: true, parameters);

    /// <summary>Runs <paramref name="sql"/> as the application would be subject to it: triggers and foreign keys on.</summary>
    public static void Execute(GovernanceFixture f, string sql) => Run(f, sql, bypass: false, []);

    /// <summary>Runs <paramref name="sql"/> on a SQLite file, triggers and foreign keys on.</summary>
    public static void Execute(string databasePath, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>A connection to <paramref name="f"/>'s database, without pooling, for the caller to read with.</summary>
    public static DbConnection Open(GovernanceFixture f)
    {
        DbConnection connection = f.Backend == StorageBackend.Postgres
            ? new NpgsqlConnection(PostgresServer.Shared.ConnectionString(f.PostgresDatabase!))
            : new SqliteConnection($"Data Source={f.DatabasePath};Pooling=False");
        connection.Open();
        return connection;
    }

    /// <summary>The columns of <paramref name="table"/> in the schema.</summary>
    public static List<string> Columns(GovernanceFixture f, string table)
    {
        using var connection = Open(f);
        using var command = connection.CreateCommand();
        command.CommandText = f.Backend == StorageBackend.Postgres
            ? $"SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}' ORDER BY ordinal_position"
            : $"SELECT name FROM pragma_table_info('{table}') ORDER BY cid";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static int Run(GovernanceFixture f, string sql, bool bypass, (string Name, object Value)[] parameters)
    {
        using var connection = Open(f);
        using var command = connection.CreateCommand();
        if (f.Backend == StorageBackend.Postgres)
        {
            command.CommandText = """
                CREATE OR REPLACE FUNCTION zeroblob(n integer) RETURNS bytea LANGUAGE sql AS $$ SELECT decode(repeat('00', n), 'hex') $$;
                CREATE OR REPLACE FUNCTION randomblob(n integer) RETURNS bytea LANGUAGE sql VOLATILE AS
                    $$ SELECT decode(string_agg(lpad(to_hex(floor(random() * 256)::integer), 2, '0'), ''), 'hex') FROM generate_series(1, n) $$;
                """ + (bypass ? "SET session_replication_role = replica;" : string.Empty);
            command.ExecuteNonQuery();
            command.CommandText = string.Empty;
        }
        else
        {
            var triggers = new List<string>();
            if (bypass)
            {
                command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'trigger'";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    triggers.Add(reader.GetString(0));
                }
            }

            command.CommandText = (bypass ? "PRAGMA foreign_keys = OFF;" : string.Empty) + string.Concat(triggers.Select(t => $"DROP TRIGGER \"{t}\";"));
        }

        sql = Dollar().Replace(sql, "@$1");
        command.CommandText += f.Backend == StorageBackend.Postgres ? HexBlob().Replace(sql, @"'\x$1'::bytea") : sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = "@" + name.TrimStart('$', '@');
            p.Value = value;
            command.Parameters.Add(p);
        }

        return command.ExecuteNonQuery();
    }

    [GeneratedRegex(@"\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Dollar();

    [GeneratedRegex("X'([0-9A-Fa-f]*)'")]
    private static partial Regex HexBlob();
}
