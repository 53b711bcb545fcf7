using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Storage;
using Obscura.Storage.Postgres;
using Obscura.Storage.Sqlite;

namespace Obscura.TestSupport;

/// <summary>
/// A governance core over a real database, with a manual clock: by default a SQLite file in a temporary folder, or a
/// fresh database on the test process's PostgreSQL server.
/// </summary>
public sealed class GovernanceFixture : IDisposable
{
    private readonly TempDirectory _dir = new();

    public GovernanceFixture()
        : this(StorageBackend.Sqlite)
    {
    }

    public GovernanceFixture(StorageBackend backend)
    {
        Backend = backend;
        if (backend == StorageBackend.Postgres)
        {
            PostgresDatabase = PostgresServer.Shared.CreateDatabase();
        }

        Database = PostgresDatabase is { } name ? PostgresServer.Shared.Uri(name) : DatabasePath;
        Store = OpenStore();
        SigningKey = LedgerSigningKey.Generate();
        Ledger = new AuditLedger(SigningKey, Clock);
        Governance = new GovernanceService(Store, Ledger, Clock);
        LedgerService = new LedgerService(Store, Ledger);
    }

    public StorageBackend Backend { get; }

    public ManualClock Clock { get; } = new();

    /// <summary>The SQLite file (used only on <see cref="StorageBackend.Sqlite"/>).</summary>
    public string DatabasePath => Path.Combine(_dir.Path, "obscura.db");

    /// <summary>The PostgreSQL database's name (only on <see cref="StorageBackend.Postgres"/>).</summary>
    public string? PostgresDatabase { get; }

    /// <summary>The SQLite file's path or the PostgreSQL database's URI.</summary>
    public string Database { get; }

    /// <summary>A temporary folder for the test's own files, deleted with the fixture.</summary>
    public string Folder => _dir.Path;

    public GovernanceDatabase Store { get; }

    public LedgerSigningKey SigningKey { get; }

    public AuditLedger Ledger { get; }

    public GovernanceService Governance { get; }

    public LedgerService LedgerService { get; }

    public static Actor Admin { get; } = Actor.Parse("test:admin");

    /// <summary>A second, independent store on the same database, as another process would open it (migrations re-checked).</summary>
    public GovernanceDatabase OpenStore() =>
        Backend == StorageBackend.Postgres ? PostgresGovernanceStore.Open(Database) : SqliteGovernanceStore.Open(Database);

    public void Dispose()
    {
        Store.Dispose();
        SigningKey.Dispose();
        _dir.Dispose();
        if (PostgresDatabase is { } name)
        {
            PostgresServer.Shared.DropDatabase(name);
        }
    }
}
