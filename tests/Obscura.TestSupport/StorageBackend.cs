namespace Obscura.TestSupport;

/// <summary>The database a test's governance store runs on.</summary>
public enum StorageBackend
{
    /// <summary>The embedded SQLite file (the default deployment).</summary>
    Sqlite,

    /// <summary>A database on the test process's throwaway PostgreSQL server (<see cref="PostgresServer"/>).</summary>
    Postgres,
}
