using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Storage.Sqlite;

namespace Obscura.TestSupport;

/// <summary>A governance core over a real SQLite file in a temporary folder, with a manual clock.</summary>
public sealed class GovernanceFixture : IDisposable
{
    private readonly TempDirectory _dir = new();

    public GovernanceFixture()
    {
        Store = SqliteGovernanceStore.Open(DatabasePath);
        SigningKey = LedgerSigningKey.Generate();
        Ledger = new AuditLedger(SigningKey, Clock);
        Governance = new GovernanceService(Store, Ledger, Clock);
        LedgerService = new LedgerService(Store, Ledger);
    }

    public ManualClock Clock { get; } = new();

    public string DatabasePath => Path.Combine(_dir.Path, "obscura.db");

    public SqliteGovernanceStore Store { get; }

    public LedgerSigningKey SigningKey { get; }

    public AuditLedger Ledger { get; }

    public GovernanceService Governance { get; }

    public LedgerService LedgerService { get; }

    public static Actor Admin { get; } = Actor.Parse("test:admin");

    public void Dispose()
    {
        Store.Dispose();
        SigningKey.Dispose();
        _dir.Dispose();
    }
}
