using Obscura.Governance.Storage;

namespace Obscura.Vault.Tests;

/// <summary>A governance store whose writes (ledger appends) can be made to fail, before or after they commit.</summary>
internal sealed class FailingGovernanceStore(IGovernanceStore inner) : IGovernanceStore
{
    /// <summary>When set, every write throws without committing.</summary>
    public bool FailBeforeCommit { get; set; }

    /// <summary>When set, every write commits and then throws, as a connection lost after the commit would.</summary>
    public bool FailAfterCommit { get; set; }

    /// <summary>Runs before each write reaches the inner store (to interleave another operation).</summary>
    public Func<Task>? BeforeWrite { get; set; }

    public Task<T> ReadAsync<T>(Func<IGovernanceSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken) => inner.ReadAsync(work, cancellationToken);

    public async Task<T> WriteAsync<T>(Func<IGovernanceSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        if (BeforeWrite is { } before)
        {
            BeforeWrite = null;
            await before();
        }

        if (FailBeforeCommit)
        {
            throw new IOException("Injected: the ledger's database is unavailable.");
        }

        var result = await inner.WriteAsync(work, cancellationToken);
        return FailAfterCommit ? throw new IOException("Injected: the connection was lost after the commit.") : result;
    }
}
