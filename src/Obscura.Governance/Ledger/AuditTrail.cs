using Obscura.Governance.Storage;

namespace Obscura.Governance.Ledger;

/// <summary>
/// Lets other in-process domain components (protected verification, the vault) record what they did to personal data.
/// The events of one call go into one transaction and get one signed head. Clients never reach this type: the server
/// exposes no endpoint that appends.
/// </summary>
public sealed class AuditTrail
{
    private readonly IGovernanceStore _store;
    private readonly AuditLedger _ledger;

    /// <summary>Creates the trail over the store and ledger the governance core uses.</summary>
    public AuditTrail(IGovernanceStore store, AuditLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(ledger);
        _store = store;
        _ledger = ledger;
    }

    /// <summary>Appends <paramref name="events"/> durably, in order, in one transaction.</summary>
    /// <exception cref="ArgumentException">No events.</exception>
    public Task<SignedTreeHead> RecordAsync(IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            throw new ArgumentException("Record at least one event.", nameof(events));
        }

        return _store.WriteAsync((s, ct) => _ledger.AppendAsync(s, events, ct), cancellationToken);
    }
}
