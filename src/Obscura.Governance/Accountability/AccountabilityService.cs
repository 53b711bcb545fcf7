using System.Text.Json;
using Obscura.Governance.Internal;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Serialization;
using Obscura.Governance.Storage;

namespace Obscura.Governance.Accountability;

/// <summary>
/// The accountability documents of a purpose and the objections of anonymous visitors. Each is validated, stored as
/// one append-only row of <c>purpose_documents</c> and committed to the audit ledger in the same transaction by the
/// hash of the row, so a document changed, added or deleted outside Obscura is reported by ledger verification.
/// </summary>
public sealed partial class AccountabilityService
{
    private readonly IGovernanceStore _store;
    private readonly AuditLedger _ledger;
    private readonly TimeProvider _time;

    /// <summary>Creates the service over a store, the ledger that records its changes and a clock.</summary>
    public AccountabilityService(IGovernanceStore store, AuditLedger ledger, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _store = store;
        _ledger = ledger;
        _time = timeProvider;
    }

    /// <summary>
    /// Records an anonymous visitor's objection (Art. 21(1)) to a purpose based on public task or legitimate interests.
    /// </summary>
    /// <returns>
    /// The objection; <see cref="GovernanceErrorKind.Invalid"/> naming the field; <see cref="GovernanceErrorKind.NotFound"/>
    /// when the purpose is not registered; <see cref="GovernanceErrorKind.NotApplicable"/> when the purpose relies on
    /// another basis (Art. 21(1) does not apply; for consent the visitor withdraws consent).
    /// </returns>
    public Task<Outcome<VisitorObjection>> RecordVisitorObjectionAsync(Actor actor, VisitorObjectionDraft draft, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        if (ValidateObjection(draft, DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime)) is { } invalid)
        {
            return Task.FromResult<Outcome<VisitorObjection>>(invalid);
        }

        return _store.WriteAsync<Outcome<VisitorObjection>>(async (s, ct) =>
        {
            if (await s.GetPurposeAsync(draft.Purpose, ct).ConfigureAwait(false) is not { } purpose)
            {
                return GovernanceError.NotFound($"Purpose '{draft.Purpose}' is not registered.");
            }

            if (purpose.Definition.LawfulBasis is not (LawfulBasis.PublicTask or LawfulBasis.LegitimateInterests))
            {
                return new GovernanceError(GovernanceErrorKind.NotApplicable, $"Purpose '{draft.Purpose}' relies on {purpose.Definition.LawfulBasis}: the right to object applies to processing under Art. 6(1)(e) or (f).", Citation: "GDPR Art. 21(1)");
            }

            var reason = string.IsNullOrWhiteSpace(draft.Reason) ? null : draft.Reason.Trim();
            var stored = await InsertAsync(s, actor, DocumentKinds.VisitorObjection, "vob", draft.Purpose, draft with { Reason = reason }, GovernanceCategories.ObjectionRecord, ct).ConfigureAwait(false);
            return ReadObjection(stored);
        }, cancellationToken);
    }

    /// <summary>
    /// The visitors' objections to <paramref name="purpose"/> in the order recorded, after <paramref name="afterId"/>;
    /// the read is recorded in the access log (a reason may hold what a visitor wrote about himself).
    /// </summary>
    /// <returns>The page, or <see cref="GovernanceErrorKind.Invalid"/> (field <c>limit</c>) when <paramref name="limit"/> is not between 1 and <see cref="VisitorObjection.MaxPageSize"/>.</returns>
    /// <exception cref="DocumentNotCommittedException">The purpose's documents do not match what the ledger committed.</exception>
    public Task<Outcome<IReadOnlyList<VisitorObjection>>> ListVisitorObjectionsAsync(Actor actor, PurposeId purpose, string? afterId, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > VisitorObjection.MaxPageSize)
        {
            return Task.FromResult<Outcome<IReadOnlyList<VisitorObjection>>>(GovernanceError.Invalid("limit", $"The page size is between 1 and {VisitorObjection.MaxPageSize}."));
        }

        return _store.WriteAsync<Outcome<IReadOnlyList<VisitorObjection>>>(async (s, ct) =>
        {
            await EnsureCommittedAsync(s, _ledger, purpose, ct).ConfigureAwait(false);
            var rows = await s.GetDocumentsAsync(purpose, DocumentKinds.VisitorObjection, afterId, limit, ct).ConfigureAwait(false);
            if (rows.Count > 0)
            {
                await _ledger.RecordAccessAsync(s, new AuditEvent(actor.Value, AuditAction.Read, GovernanceCategories.ObjectionRecord, purpose: purpose, from: GovernanceCategories.DocumentsTable), ct).ConfigureAwait(false);
            }

            return Outcome<IReadOnlyList<VisitorObjection>>.Success(rows.Select(ReadObjection).ToList());
        }, cancellationToken);
    }

    private static GovernanceError? ValidateObjection(VisitorObjectionDraft d, DateOnly today)
    {
        if (d.Purpose.Value is null)
        {
            return GovernanceError.Invalid("purpose", "The purpose objected to is required.");
        }

        if (!Token.IsIdentifier(d.Store, 64))
        {
            return GovernanceError.Invalid("store", "The store is 1-64 characters of letters, digits and ._:/@-, for example 'store-17'.");
        }

        if (d.Date == default || d.Date > today.AddDays(1))
        {
            return GovernanceError.Invalid("date", "The date is the day of the visit (yyyy-MM-dd), not later than tomorrow.");
        }

        if (!Token.IsIdentifier(d.Channel, 64))
        {
            return GovernanceError.Invalid("channel", "The channel is 1-64 characters of letters, digits and ._:/@-, for example 'kiosk' or 'web-form'.");
        }

        return Text.Check("reason", d.Reason, VisitorObjection.MaxReasonLength, required: false);
    }

    private static VisitorObjection ReadObjection(StoredDocument row)
    {
        var d = Deserialize<VisitorObjectionDraft>(row.Body);
        return new VisitorObjection(row.Id, row.Purpose, d.Store, d.Date, d.Channel, row.RecordedAt, row.Actor, d.Reason);
    }

    /// <summary>Stores <paramref name="body"/> as a new document and commits it to the ledger in the same transaction.</summary>
    private async Task<StoredDocument> InsertAsync<T>(IGovernanceSession s, Actor actor, string kind, string idPrefix, PurposeId purpose, T body, Purposes.DataCategory category, CancellationToken ct)
    {
        var row = new StoredDocument(RecordId.New(idPrefix), kind, purpose, JsonSerializer.Serialize(body, GovernanceJson.Options), Now(), actor.Value);
        var commitment = await s.InsertDocumentAsync(row, ct).ConfigureAwait(false);
        await _ledger.AppendAsync(s, [new AuditEvent(actor.Value, AuditAction.Create, category, purpose: purpose, to: GovernanceCategories.DocumentsTable, reference: row.Id, commitment: commitment)], ct).ConfigureAwait(false);
        return row;
    }

    private static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, GovernanceJson.Options) ?? throw new InvalidDataException($"Stored {typeof(T).Name} is empty.");

    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
}
