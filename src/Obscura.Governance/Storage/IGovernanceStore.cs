namespace Obscura.Governance.Storage;

/// <summary>
/// Transactional access to governance records and the audit ledger. Implementations run each write delegate in one
/// serialisable transaction that commits only if the delegate returns normally, so a crash or exception leaves no
/// half-written record and no record without its ledger entry.
/// </summary>
public interface IGovernanceStore
{
    /// <summary>Runs <paramref name="work"/> against a consistent read-only snapshot.</summary>
    Task<T> ReadAsync<T>(Func<IGovernanceSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="work"/> in one write transaction; writes are serialised.</summary>
    Task<T> WriteAsync<T>(Func<IGovernanceSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken);
}
