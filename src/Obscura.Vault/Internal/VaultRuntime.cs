using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Security.Locks;

namespace Obscura.Vault.Internal;

/// <summary>What the parts of an open vault share: its folder, catalogue, keys, this process's writer lease, the ledger outbox, the governance core and the clock.</summary>
internal sealed class VaultRuntime(VaultLayout layout, VaultCatalog catalog, VaultKeyRing keys, WriterLease lease, GovernanceService governance, AuditTrail audit, TimeProvider clock) : IDisposable
{
    public VaultLayout Layout { get; } = layout;

    public VaultCatalog Catalog { get; } = catalog;

    public VaultKeyRing Keys { get; } = keys;

    public WriterLease Lease { get; } = lease;

    public LedgerOutbox Outbox { get; } = new(catalog, audit);

    public GovernanceService Governance { get; } = governance;

    public AuditTrail Audit { get; } = audit;

    public TimeProvider Clock { get; } = clock;

    public string Writer => Lease.Id;

    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>
    /// Takes the vault's maintenance lock, shared by every process: deletions, shredding, recovery and the publication
    /// of an export run one at a time, so that a recovery never races a deletion and an export never publishes a
    /// record that an erasure removed while it was being written. Waits while another holder has it.
    /// </summary>
    public Task<ProcessLock> MaintenanceAsync(CancellationToken cancellationToken) => ProcessLock.AcquireAsync(Layout.MaintenanceLock, cancellationToken);

    public void Dispose()
    {
        Lease.Dispose();
        Outbox.Dispose();
        Keys.Dispose();
        Catalog.Dispose();
    }
}
