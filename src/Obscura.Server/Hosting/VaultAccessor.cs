using Microsoft.Extensions.Options;
using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Storage;
using Obscura.Storage.Postgres;
using Obscura.Vault;

namespace Obscura.Server.Hosting;

/// <summary>
/// Opens the training-data vault (the data folder's <c>vault</c> subfolder; its catalogue in PostgreSQL when the
/// governance database is) on first use and closes it on shutdown. A
/// failed open is not kept: the next call tries again, so a vault that could not be opened at first (a folder fixed by
/// the operator, a lock released) becomes available without a restart.
/// </summary>
internal sealed class VaultAccessor(DataFolder folder, GovernanceService governance, AuditTrail audit, TimeProvider clock, IOptions<ObscuraOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _opening = new(1, 1);
    private TrainingDataVault? _vault;
    private bool _disposed;

    /// <summary>The vault, opened and recovered on the first call that succeeds.</summary>
    public async Task<TrainingDataVault> GetAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _vault) is { } open)
        {
            return open;
        }

        await _opening.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_vault is null)
            {
                var vault = await TrainingDataVault.OpenAsync(
                    Path.Combine(folder.Path, "vault"), new VaultOptions
                    {
                        KeyEncryptionKeyFolder = options.Value.VaultKeyEncryptionKeyDirectory,
                        PostgresCatalog = (folder.Store as PostgresGovernanceStore)?.DataSource, // the catalogue lives where the governance database does
                        PostgresCatalogLocation = folder.Store.Location,
                    }, governance, audit, clock, cancellationToken);
                Volatile.Write(ref _vault, vault);
            }

            return _vault;
        }
        finally
        {
            _opening.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _opening.Wait();
        try
        {
            _disposed = true;
            _vault?.Dispose();
            _vault = null;
        }
        finally
        {
            _opening.Release();
        }

        _opening.Dispose();
    }
}
