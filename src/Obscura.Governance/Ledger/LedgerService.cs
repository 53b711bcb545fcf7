using Obscura.Governance.Storage;
using Obscura.Governance.Subjects;

namespace Obscura.Governance.Ledger;

/// <summary>
/// What clients may do with the audit ledger: read heads and proofs, read entries (auditors), read one subject's
/// entries and access-log rows (auditors, or the subject — that read is itself recorded in the access log), and
/// verify. Appends happen only inside the domain services, never on a client's request.
/// </summary>
public sealed class LedgerService
{
    /// <summary>The most entries one page returns.</summary>
    public const int MaxPageSize = 1000;

    private readonly IGovernanceStore _store;
    private readonly AuditLedger _ledger;

    /// <summary>Creates the service over a store and the ledger that writes to it.</summary>
    public LedgerService(IGovernanceStore store, AuditLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(ledger);
        _store = store;
        _ledger = ledger;
    }

    /// <summary>The public key that verifies this ledger's signed heads.</summary>
    public LedgerVerificationKey VerificationKey => _ledger.VerificationKey;

    /// <summary>The latest signed tree head, or <see langword="null"/> when the ledger is empty.</summary>
    public Task<SignedTreeHead?> GetLatestHeadAsync(CancellationToken cancellationToken) =>
        _store.ReadAsync((s, ct) => s.GetLatestTreeHeadAsync(ct), cancellationToken);

    /// <summary>An inclusion proof for one entry.</summary>
    public Task<Outcome<InclusionProof>> GetInclusionProofAsync(long leafIndex, long? treeSize, CancellationToken cancellationToken) =>
        _store.ReadAsync((s, ct) => AuditLedger.GetInclusionProofAsync(s, leafIndex, treeSize, ct), cancellationToken);

    /// <summary>A consistency proof between two tree sizes.</summary>
    public Task<Outcome<ConsistencyProof>> GetConsistencyProofAsync(long firstSize, long? secondSize, CancellationToken cancellationToken) =>
        _store.ReadAsync((s, ct) => AuditLedger.GetConsistencyProofAsync(s, firstSize, secondSize, ct), cancellationToken);

    /// <summary>Entries in sequence order from <paramref name="fromSequence"/>, at most <paramref name="limit"/> (1–<see cref="MaxPageSize"/>).</summary>
    public Task<Outcome<IReadOnlyList<AuditEntry>>> GetEntriesAsync(long fromSequence, int limit, CancellationToken cancellationToken)
    {
        if (PageError(fromSequence, limit) is { } error)
        {
            return Task.FromResult<Outcome<IReadOnlyList<AuditEntry>>>(error);
        }

        return _store.ReadAsync<Outcome<IReadOnlyList<AuditEntry>>>(async (s, ct) => Outcome<IReadOnlyList<AuditEntry>>.Success(await s.GetLedgerEntriesAsync(fromSequence, limit, ct).ConfigureAwait(false)), cancellationToken);
    }

    /// <summary>
    /// The subject index: entries about <paramref name="subject"/>. Reading who did what with a person's data is
    /// itself a read of personal data, so it is recorded in the access log as done by <paramref name="actor"/>.
    /// </summary>
    public Task<Outcome<IReadOnlyList<AuditEntry>>> GetSubjectEntriesAsync(Actor actor, SubjectId subject, long fromSequence, int limit, CancellationToken cancellationToken) =>
        SubjectReadAsync(actor, subject, fromSequence, limit, GovernanceCategories.LedgerTable, (s, ct) => s.GetLedgerEntriesForSubjectAsync(subject, fromSequence, limit, ct), cancellationToken);

    /// <summary>
    /// The access log about <paramref name="subject"/>: every recorded read of their data (GDPR Art. 15), committed
    /// or still pending. This read is itself recorded in the access log as done by <paramref name="actor"/>.
    /// </summary>
    public Task<Outcome<IReadOnlyList<AccessLogEntry>>> GetSubjectAccessesAsync(Actor actor, SubjectId subject, long fromSequence, int limit, CancellationToken cancellationToken) =>
        SubjectReadAsync(actor, subject, fromSequence, limit, GovernanceCategories.AccessLogTable, (s, ct) => s.GetAccessLogForSubjectAsync(subject, fromSequence, limit, ct), cancellationToken);

    /// <summary>Commits every pending access-log row to the ledger now (see <see cref="AuditLedger.FlushAccessLogAsync"/>).</summary>
    public Task<SignedTreeHead?> FlushAccessLogAsync(CancellationToken cancellationToken) => _ledger.FlushAccessLogAsync(_store, cancellationToken);

    /// <summary>Verifies the whole ledger and the stored records against <paramref name="trustedKey"/> (this ledger's own key when null).</summary>
    public Task<LedgerVerificationReport> VerifyAsync(LedgerVerificationKey? trustedKey, IProgress<long>? progress, CancellationToken cancellationToken) =>
        VerifyAsync(trustedKey, null, progress, cancellationToken);

    /// <summary>Verifies as <see cref="VerifyAsync(LedgerVerificationKey?, IProgress{long}?, CancellationToken)"/> and, given <paramref name="witnessedHead"/>, that the ledger still extends it (not cut back, not forked).</summary>
    public Task<LedgerVerificationReport> VerifyAsync(LedgerVerificationKey? trustedKey, SignedTreeHead? witnessedHead, IProgress<long>? progress, CancellationToken cancellationToken) =>
        _store.ReadAsync((s, ct) => AuditLedger.VerifyAsync(s, trustedKey ?? _ledger.VerificationKey, witnessedHead, progress, ct), cancellationToken);

    private Task<Outcome<IReadOnlyList<T>>> SubjectReadAsync<T>(Actor actor, SubjectId subject, long fromSequence, int limit, string location, Func<ILedgerSession, CancellationToken, Task<IReadOnlyList<T>>> read, CancellationToken cancellationToken)
    {
        if (PageError(fromSequence, limit) is { } error)
        {
            return Task.FromResult<Outcome<IReadOnlyList<T>>>(error);
        }

        return _store.WriteAsync<Outcome<IReadOnlyList<T>>>(async (s, ct) =>
        {
            var rows = await read(s, ct).ConfigureAwait(false);
            await _ledger.RecordAccessAsync(s, new AuditEvent(actor.Value, AuditAction.Read, GovernanceCategories.AuditRecord, subject, from: location), ct).ConfigureAwait(false);
            return Outcome<IReadOnlyList<T>>.Success(rows);
        }, cancellationToken);
    }

    private static GovernanceError? PageError(long fromSequence, int limit)
    {
        if (fromSequence < 0)
        {
            return GovernanceError.Invalid("from", "The first sequence number cannot be negative.");
        }

        return limit is < 1 or > MaxPageSize ? GovernanceError.Invalid("limit", $"The page size is between 1 and {MaxPageSize}.") : null;
    }
}
