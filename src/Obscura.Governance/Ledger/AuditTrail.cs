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

    /// <summary>
    /// The entries whose event <paramref name="match"/> accepts, in sequence order. It reads the whole ledger page by
    /// page: for maintenance checks (the vault's comparison of its records with their entries), not for requests.
    /// </summary>
    public async Task<IReadOnlyList<AuditEntry>> FindAsync(Func<AuditEvent, bool> match, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(match);
        const int page = 10_000;
        var found = new List<AuditEntry>();
        for (long from = 0; ; from += page)
        {
            var entries = await _store.ReadAsync((s, ct) => s.GetLedgerEntriesAsync(from, page, ct), cancellationToken).ConfigureAwait(false);
            found.AddRange(entries.Where(e => match(e.Event)));
            if (entries.Count < page)
            {
                return found;
            }
        }
    }
}
