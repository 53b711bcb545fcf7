using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Storage;
using Obscura.Vault;

namespace Obscura.Server.Hosting;

/// <summary>Opens the training-data vault (the data folder's <c>vault</c> subfolder) once, on first use, and closes it on shutdown.</summary>
internal sealed class VaultAccessor(DataFolder folder, GovernanceService governance, AuditTrail audit, TimeProvider clock) : IDisposable
{
    private readonly Lazy<Task<TrainingDataVault>> _vault = new(
        () => TrainingDataVault.OpenAsync(Path.Combine(folder.Path, "vault"), governance, audit, clock, CancellationToken.None),
        LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The vault, opened and recovered on the first call.</summary>
    public Task<TrainingDataVault> GetAsync(CancellationToken cancellationToken) => _vault.Value.WaitAsync(cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_vault.IsValueCreated && _vault.Value.IsCompletedSuccessfully)
        {
            _vault.Value.Result.Dispose();
        }
    }
}
