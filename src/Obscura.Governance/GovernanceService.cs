using Obscura.Governance.Assessments;
using Obscura.Governance.Consent;
using Obscura.Governance.Internal;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Records;
using Obscura.Governance.Storage;
using Obscura.Governance.Subjects;

namespace Obscura.Governance;

/// <summary>
/// Subjects, purposes, consent, objection, compatibility assessments and processing decisions. Every change is
/// written to the audit ledger in the same transaction as the change itself, with the hash of the stored row: if the
/// ledger entry cannot be written, the change does not happen, and a row changed later outside Obscura no longer
/// matches its entry. Every read of personal data is written to the access log, which the ledger commits in batches.
/// </summary>
public sealed class GovernanceService
{
    private readonly IGovernanceStore _store;
    private readonly AuditLedger _ledger;
    private readonly TimeProvider _time;

    /// <summary>Creates the service over a store, the ledger that records its changes and a clock.</summary>
    public GovernanceService(IGovernanceStore store, AuditLedger ledger, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _store = store;
        _ledger = ledger;
        _time = timeProvider;
    }

    /// <summary>Registers a subject under <paramref name="requestedId"/>, or a fresh random id when null.</summary>
    public Task<Outcome<SubjectRecord>> RegisterSubjectAsync(Actor actor, SubjectId? requestedId, CancellationToken cancellationToken) =>
        _store.WriteAsync<Outcome<SubjectRecord>>(async (s, ct) =>
        {
            var id = requestedId ?? SubjectId.New();
            if (await s.GetSubjectAsync(id, ct).ConfigureAwait(false) is not null)
            {
                return GovernanceError.Conflict("A subject with this id is already registered.");
            }

            var record = new SubjectRecord(id, Now());
            var commitment = await s.InsertSubjectAsync(record, ct).ConfigureAwait(false);
            await LogAsync(s, new AuditEvent(actor.Value, AuditAction.Create, GovernanceCategories.SubjectRecord, id, to: GovernanceCategories.SubjectsTable, commitment: commitment), ct).ConfigureAwait(false);
            return record;
        }, cancellationToken);

    /// <summary>The most subjects one page lists.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>Lists subjects in id order after <paramref name="afterId"/>; the read is recorded in the access log.</summary>
    /// <returns>The page, or <see cref="GovernanceErrorKind.Invalid"/> (field <c>limit</c>) when <paramref name="limit"/> is not between 1 and <see cref="MaxPageSize"/>.</returns>
    public Task<Outcome<IReadOnlyList<SubjectRecord>>> ListSubjectsAsync(Actor actor, SubjectId? afterId, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return Task.FromResult<Outcome<IReadOnlyList<SubjectRecord>>>(GovernanceError.Invalid("limit", $"The page size is between 1 and {MaxPageSize}."));
        }

        return _store.WriteAsync<Outcome<IReadOnlyList<SubjectRecord>>>(async (s, ct) =>
        {
            var list = await s.ListSubjectsAsync(afterId, limit, ct).ConfigureAwait(false);
            if (list.Count > 0)
            {
                await _ledger.RecordAccessAsync(s, new AuditEvent(actor.Value, AuditAction.Read, GovernanceCategories.SubjectRecord, from: GovernanceCategories.SubjectsTable), ct).ConfigureAwait(false);
            }

            return Outcome<IReadOnlyList<SubjectRecord>>.Success(list);
        }, cancellationToken);
    }

    /// <summary>Registers a purpose after validating it; purposes with a prohibited practice are refused with the provision that prohibits them.</summary>
    public Task<Outcome<Purpose>> RegisterPurposeAsync(Actor actor, PurposeDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (PurposeValidation.Validate(definition) is { } invalid)
        {
            return Task.FromResult<Outcome<Purpose>>(invalid);
        }

        foreach (var practice in definition.Practices)
        {
            if (ProhibitedPractices.CitationFor(practice) is { } citation)
            {
                return Task.FromResult<Outcome<Purpose>>(new GovernanceError(GovernanceErrorKind.Refused, $"Purpose refused: {practice} is a prohibited practice whatever the lawful basis.", "practices", citation));
            }
        }

        return _store.WriteAsync<Outcome<Purpose>>(async (s, ct) =>
        {
            if (await s.GetPurposeAsync(definition.Id, ct).ConfigureAwait(false) is not null)
            {
                return GovernanceError.Conflict($"Purpose '{definition.Id}' is already registered; purposes are immutable, register a new id for a changed purpose.");
            }

            foreach (var source in definition.ReusesDataFrom)
            {
                if (await s.GetPurposeAsync(source, ct).ConfigureAwait(false) is null)
                {
                    return GovernanceError.Invalid("reusesDataFrom", $"Purpose '{source}' is not registered.");
                }
            }

            var purpose = new Purpose(definition, Now());
            var commitment = await s.InsertPurposeAsync(purpose, ct).ConfigureAwait(false);
            await LogAsync(s, new AuditEvent(actor.Value, AuditAction.Create, GovernanceCategories.PurposeRecord, purpose: purpose.Id, to: GovernanceCategories.PurposesTable, reference: purpose.Id.Value, commitment: commitment), ct).ConfigureAwait(false);
            return purpose;
        }, cancellationToken);
    }

    /// <summary>The purpose, or <see langword="null"/>.</summary>
    public Task<Purpose?> GetPurposeAsync(PurposeId id, CancellationToken cancellationToken) =>
        _store.ReadAsync((s, ct) => s.GetPurposeAsync(id, ct), cancellationToken);

    /// <summary>All registered purposes.</summary>
    public Task<IReadOnlyList<Purpose>> ListPurposesAsync(CancellationToken cancellationToken) =>
        _store.ReadAsync((s, ct) => s.ListPurposesAsync(ct), cancellationToken);

    /// <summary>Records that a subject gave consent for one purpose. A purpose that needs explicit consent (Art. 9(2)(a)) only accepts explicit consent.</summary>
    public Task<Outcome<ConsentStatus>> GiveConsentAsync(Actor actor, ConsentGrant grant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grant);
        if (!Token.IsIdentifier(grant.NoticeVersion, 64))
        {
            return Task.FromResult<Outcome<ConsentStatus>>(GovernanceError.Invalid("noticeVersion", "The notice version is 1-64 characters of letters, digits and ._:/@-, for example 'notice-2026-03'."));
        }

        if (!Token.IsIdentifier(grant.Channel, 64))
        {
            return Task.FromResult<Outcome<ConsentStatus>>(GovernanceError.Invalid("channel", "The channel is 1-64 characters of letters, digits and ._:/@-, for example 'mobile-app'."));
        }

        return _store.WriteAsync<Outcome<ConsentStatus>>(async (s, ct) =>
        {
            var (purpose, error) = await SubjectAndPurposeAsync(s, grant.Subject, grant.Purpose, ct).ConfigureAwait(false);
            if (error is not null)
            {
                return error;
            }

            if (!purpose!.RequiresConsent)
            {
                return GovernanceError.NotApplicable($"Purpose '{purpose.Id}' relies on {purpose.Definition.LawfulBasis}, not consent; recording consent would mislead the subject about their rights.");
            }

            if (purpose.RequiresExplicitConsent && !grant.Explicit)
            {
                return GovernanceError.Invalid("explicit", $"Purpose '{purpose.Id}' processes special-category data under Art. 9(2)(a) and needs explicit consent.");
            }

            var e = new ConsentEvent(RecordId.New("con"), grant.Subject, grant.Purpose, ConsentEventKind.Given, Now(), grant.NoticeVersion, grant.Explicit, grant.Channel, actor.Value);
            var commitment = await s.InsertConsentEventAsync(e, ct).ConfigureAwait(false);
            await LogAsync(s, new AuditEvent(actor.Value, AuditAction.Create, GovernanceCategories.ConsentRecord, e.Subject, e.Purpose, to: GovernanceCategories.ConsentTable, reference: e.Id, commitment: commitment), ct).ConfigureAwait(false);
            return await StatusAsync(s, grant.Subject, grant.Purpose, ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <summary>Records withdrawal of consent (Art. 7(3)); processing that relies on it stops at once.</summary>
    public Task<Outcome<ConsentStatus>> WithdrawConsentAsync(Actor actor, SubjectId subject, PurposeId purposeId, CancellationToken cancellationToken) =>
        _store.WriteAsync<Outcome<ConsentStatus>>(async (s, ct) =>
        {
            var (_, error) = await SubjectAndPurposeAsync(s, subject, purposeId, ct).ConfigureAwait(false);
            if (error is not null)
            {
                return error;
            }

            if (!(await StatusAsync(s, subject, purposeId, ct).ConfigureAwait(false)).ConsentGiven)
            {
                return GovernanceError.NotApplicable("There is no live consent to withdraw for this purpose.");
            }

            var e = new ConsentEvent(RecordId.New("con"), subject, purposeId, ConsentEventKind.Withdrawn, Now(), string.Empty, false, "withdrawal", actor.Value);
            var commitment = await s.InsertConsentEventAsync(e, ct).ConfigureAwait(false);
            await LogAsync(s, new AuditEvent(actor.Value, AuditAction.Create, GovernanceCategories.ConsentRecord, subject, purposeId, to: GovernanceCategories.ConsentTable, reference: e.Id, commitment: commitment), ct).ConfigureAwait(false);
            return await StatusAsync(s, subject, purposeId, ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>
    /// Records an objection under Art. 21(1) to processing based on public task or legitimate interests; it takes
    /// effect immediately. For consent-based purposes the subject withdraws consent instead; Art. 21 does not apply
    /// to contract, legal obligation or vital interests.
    /// </summary>
    public Task<Outcome<ConsentStatus>> ObjectAsync(Actor actor, SubjectId subject, PurposeId purposeId, CancellationToken cancellationToken) =>
        RecordObjectionAsync(actor, subject, purposeId, ObjectionEventKind.Objected, cancellationToken);

    /// <summary>Records that the subject lifted an objection.</summary>
    public Task<Outcome<ConsentStatus>> LiftObjectionAsync(Actor actor, SubjectId subject, PurposeId purposeId, CancellationToken cancellationToken) =>
        RecordObjectionAsync(actor, subject, purposeId, ObjectionEventKind.Lifted, cancellationToken);

    /// <summary>The subject's consent and objection state for every purpose they have a history with; the read is recorded in the access log.</summary>
    public async Task<Outcome<IReadOnlyList<ConsentStatus>>> GetConsentStatusAsync(Actor actor, SubjectId subject, CancellationToken cancellationToken)
    {
        var history = await GetConsentHistoryAsync(actor, subject, cancellationToken).ConfigureAwait(false);
        return history.Succeeded ? Outcome<IReadOnlyList<ConsentStatus>>.Success(history.Value!.Statuses) : history.Error!;
    }

    /// <summary>
    /// The subject's full consent and objection histories, in the order recorded, with the state they fold to for
    /// every purpose; the read is recorded in the access log.
    /// </summary>
    /// <returns>The history, or <see cref="GovernanceErrorKind.NotFound"/> when the subject is not registered.</returns>
    public Task<Outcome<ConsentHistory>> GetConsentHistoryAsync(Actor actor, SubjectId subject, CancellationToken cancellationToken) =>
        _store.WriteAsync<Outcome<ConsentHistory>>(async (s, ct) =>
        {
            if (await s.GetSubjectAsync(subject, ct).ConfigureAwait(false) is null)
            {
                return GovernanceError.NotFound("The subject is not registered.");
            }

            var consents = await s.GetConsentEventsAsync(subject, null, ct).ConfigureAwait(false);
            var objections = await s.GetObjectionEventsAsync(subject, null, ct).ConfigureAwait(false);
            var purposes = consents.Select(c => c.Purpose).Concat(objections.Select(o => o.Purpose)).Distinct().OrderBy(p => p.Value, StringComparer.Ordinal);
            var statuses = purposes.Select(p => ConsentStatus.From(subject, p, consents, objections)).ToList();
            await _ledger.RecordAccessAsync(s, new AuditEvent(actor.Value, AuditAction.Read, GovernanceCategories.ConsentRecord, subject, from: GovernanceCategories.ConsentTable), ct).ConfigureAwait(false);
            return new ConsentHistory(subject, consents, objections, statuses);
        }, cancellationToken);

    /// <summary>Records an Art. 6(4) compatibility assessment after checking it is complete and defensible.</summary>
    public Task<Outcome<CompatibilityAssessment>> RecordAssessmentAsync(Actor actor, CompatibilityAssessmentDraft draft, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        if (AssessmentValidation.Validate(draft) is { } invalid)
        {
            return Task.FromResult<Outcome<CompatibilityAssessment>>(invalid);
        }

        return _store.WriteAsync<Outcome<CompatibilityAssessment>>(async (s, ct) =>
        {
            if (await s.GetPurposeAsync(draft.FromPurpose, ct).ConfigureAwait(false) is null)
            {
                return GovernanceError.NotFound($"Purpose '{draft.FromPurpose}' is not registered.");
            }

            if (await s.GetPurposeAsync(draft.ToPurpose, ct).ConfigureAwait(false) is null)
            {
                return GovernanceError.NotFound($"Purpose '{draft.ToPurpose}' is not registered.");
            }

            var assessment = new CompatibilityAssessment(RecordId.New("asm"), draft, Now());
            var commitment = await s.InsertAssessmentAsync(assessment, ct).ConfigureAwait(false);
            await LogAsync(s, new AuditEvent(actor.Value, AuditAction.Create, GovernanceCategories.AssessmentRecord, purpose: draft.ToPurpose, to: GovernanceCategories.AssessmentsTable, reference: assessment.Id, commitment: commitment), ct).ConfigureAwait(false);
            return assessment;
        }, cancellationToken);
    }

    /// <summary>Assessments in the order recorded, optionally filtered.</summary>
    public Task<IReadOnlyList<CompatibilityAssessment>> ListAssessmentsAsync(PurposeId? fromPurpose, PurposeId? toPurpose, CancellationToken cancellationToken) =>
        _store.ReadAsync((s, ct) => s.GetAssessmentsAsync(fromPurpose, toPurpose, ct), cancellationToken);

    /// <summary>
    /// Decides whether <paramref name="subject"/>'s data may be processed for <paramref name="purposeId"/> now.
    /// When the data was collected for another purpose (<paramref name="collectedFor"/>), the purpose must declare
    /// the reuse and, unless it relies on consent (Art. 6(4) exempts consent), a passed compatibility assessment
    /// must cover it. The records the decision rests on must match what the audit ledger committed: a record
    /// inserted, changed or deleted outside Obscura denies with <see cref="DenialReason.RecordNotCommitted"/>.
    /// </summary>
    public Task<ProcessingDecision> AuthorizeAsync(SubjectId subject, PurposeId purposeId, PurposeId? collectedFor, CancellationToken cancellationToken) =>
        _store.ReadAsync(async (s, ct) =>
        {
            var reasons = new List<DenialReason>();
            var reuse = collectedFor is { } c && c != purposeId ? collectedFor : null;
            if (await s.GetSubjectAsync(subject, ct).ConfigureAwait(false) is null)
            {
                reasons.Add(DenialReason.SubjectUnknown);
            }

            var purpose = await s.GetPurposeAsync(purposeId, ct).ConfigureAwait(false);
            if (purpose is null)
            {
                reasons.Add(DenialReason.PurposeUnknown);
            }

            if (reasons.Count > 0)
            {
                return new ProcessingDecision(subject, purposeId, reuse, reasons);
            }

            var consents = await s.GetConsentEventsAsync(subject, purposeId, ct).ConfigureAwait(false);
            var objections = await s.GetObjectionEventsAsync(subject, purposeId, ct).ConfigureAwait(false);
            var status = ConsentStatus.From(subject, purposeId, consents, objections);
            if (purpose!.RequiresConsent && !status.ConsentGiven)
            {
                reasons.Add(status.WithdrawnAt is null ? DenialReason.ConsentMissing : DenialReason.ConsentWithdrawn);
            }
            else if (purpose.RequiresExplicitConsent && !status.Explicit)
            {
                reasons.Add(DenialReason.ExplicitConsentMissing);
            }

            if (status.Objected)
            {
                reasons.Add(DenialReason.Objected);
            }

            if (reuse is { } source)
            {
                if (!purpose.Definition.ReusesDataFrom.Contains(source))
                {
                    reasons.Add(DenialReason.ReuseNotDeclared);
                }
                else if (purpose.Definition.LawfulBasis != LawfulBasis.Consent)
                {
                    var pair = await s.GetAssessmentsAsync(source, purposeId, ct).ConfigureAwait(false);
                    if (!await AssessmentsCommittedAsync(s, purposeId, ct).ConfigureAwait(false))
                    {
                        reasons.Add(DenialReason.RecordNotCommitted);
                    }

                    var latest = pair.Count > 0 ? pair[^1] : null;
                    if (latest is null)
                    {
                        reasons.Add(DenialReason.ReuseNotAssessed);
                    }
                    else if (latest.Draft.Outcome != CompatibilityOutcome.Compatible)
                    {
                        reasons.Add(DenialReason.ReuseIncompatible);
                    }
                }
            }

            if (!await RecordsCommittedAsync(s, subject, purposeId, consents, objections, ct).ConfigureAwait(false) && !reasons.Contains(DenialReason.RecordNotCommitted))
            {
                reasons.Add(DenialReason.RecordNotCommitted);
            }

            return new ProcessingDecision(subject, purposeId, reuse, reasons);
        }, cancellationToken);

    /// <summary>The Art. 30 records of processing, generated from the registered purposes and assessments, with each purpose's accountability documents and gaps.</summary>
    /// <exception cref="Accountability.DocumentNotCommittedException">A purpose's accountability documents do not match what the ledger committed.</exception>
    public Task<RecordsOfProcessing> GetRecordsOfProcessingAsync(CancellationToken cancellationToken) =>
        _store.ReadAsync(async (s, ct) =>
        {
            var purposes = await s.ListPurposesAsync(ct).ConfigureAwait(false);
            var assessments = await s.GetAssessmentsAsync(null, null, ct).ConfigureAwait(false);
            var accountability = new Dictionary<PurposeId, Accountability.PurposeAccountability>();
            foreach (var p in purposes)
            {
                // Only purposes the controller keeps accountability documents for: a DPIA is not required of every purpose (Art. 35(1)).
                var summary = await Accountability.AccountabilityService.SummaryAsync(s, _ledger, p, ct).ConfigureAwait(false);
                if (summary.LegitimateInterests is not null || summary.ImpactAssessment is not null || summary.PriorConsultation is not null || summary.ProcessorReviews.Count > 0 || summary.VisitorObjections > 0 || summary.NoticeParticulars is not null)
                {
                    accountability[p.Id] = summary;
                }
            }

            return RecordsOfProcessing.Build(purposes, assessments, Now(), accountability);
        }, cancellationToken);

    private Task<Outcome<ConsentStatus>> RecordObjectionAsync(Actor actor, SubjectId subject, PurposeId purposeId, ObjectionEventKind kind, CancellationToken cancellationToken) =>
        _store.WriteAsync<Outcome<ConsentStatus>>(async (s, ct) =>
        {
            var (purpose, error) = await SubjectAndPurposeAsync(s, subject, purposeId, ct).ConfigureAwait(false);
            if (error is not null)
            {
                return error;
            }

            var basis = purpose!.Definition.LawfulBasis;
            if (basis == LawfulBasis.Consent)
            {
                return GovernanceError.NotApplicable($"Purpose '{purposeId}' relies on consent: the subject withdraws consent rather than objecting.");
            }

            if (basis is not (LawfulBasis.PublicTask or LawfulBasis.LegitimateInterests))
            {
                return new GovernanceError(GovernanceErrorKind.NotApplicable, $"The right to object does not apply to processing based on {basis}.", Citation: "GDPR Art. 21(1)");
            }

            var status = await StatusAsync(s, subject, purposeId, ct).ConfigureAwait(false);
            if (status.Objected == (kind == ObjectionEventKind.Objected))
            {
                return GovernanceError.NotApplicable(status.Objected ? "An objection to this purpose is already in force." : "There is no objection in force to lift.");
            }

            var e = new ObjectionEvent(RecordId.New("obj"), subject, purposeId, kind, Now(), actor.Value);
            var commitment = await s.InsertObjectionEventAsync(e, ct).ConfigureAwait(false);
            await LogAsync(s, new AuditEvent(actor.Value, AuditAction.Create, GovernanceCategories.ObjectionRecord, subject, purposeId, to: GovernanceCategories.ObjectionTable, reference: e.Id, commitment: commitment), ct).ConfigureAwait(false);
            return await StatusAsync(s, subject, purposeId, ct).ConfigureAwait(false);
        }, cancellationToken);

    private static async Task<(Purpose? Purpose, GovernanceError? Error)> SubjectAndPurposeAsync(IGovernanceSession s, SubjectId subject, PurposeId purposeId, CancellationToken ct)
    {
        if (await s.GetSubjectAsync(subject, ct).ConfigureAwait(false) is null)
        {
            return (null, GovernanceError.NotFound("The subject is not registered."));
        }

        var purpose = await s.GetPurposeAsync(purposeId, ct).ConfigureAwait(false);
        return purpose is null ? (null, GovernanceError.NotFound($"Purpose '{purposeId}' is not registered.")) : (purpose, null);
    }

    private static async Task<ConsentStatus> StatusAsync(IGovernanceSession s, SubjectId subject, PurposeId purpose, CancellationToken ct)
    {
        var consents = await s.GetConsentEventsAsync(subject, purpose, ct).ConfigureAwait(false);
        var objections = await s.GetObjectionEventsAsync(subject, purpose, ct).ConfigureAwait(false);
        return ConsentStatus.From(subject, purpose, consents, objections);
    }

    /// <summary>Whether the subject, the purpose and the consent and objection events read for the pair are exactly what the ledger committed.</summary>
    private async Task<bool> RecordsCommittedAsync(IGovernanceSession s, SubjectId subject, PurposeId purpose, IReadOnlyList<ConsentEvent> consents, IReadOnlyList<ObjectionEvent> objections, CancellationToken ct) =>
        await RecordCheck.AllCommittedAsync(s, _ledger, RecordTables.Subjects, [subject.Value], ct).ConfigureAwait(false)
        && await RecordCheck.AllCommittedAsync(s, _ledger, RecordTables.Purposes, [purpose.Value], ct).ConfigureAwait(false)
        && await RecordCheck.ExactlyCommittedAsync(s, _ledger, RecordTables.ConsentEvents, subject, purpose, consents.Count, null, ct).ConfigureAwait(false)
        && await RecordCheck.ExactlyCommittedAsync(s, _ledger, RecordTables.ObjectionEvents, subject, purpose, objections.Count, null, ct).ConfigureAwait(false);

    /// <summary>Whether the assessments of reuse for <paramref name="toPurpose"/> are exactly what the ledger committed.</summary>
    private async Task<bool> AssessmentsCommittedAsync(IGovernanceSession s, PurposeId toPurpose, CancellationToken ct)
    {
        var all = await s.GetAssessmentsAsync(null, toPurpose, ct).ConfigureAwait(false);
        return await RecordCheck.ExactlyCommittedAsync(s, _ledger, RecordTables.Assessments, null, toPurpose, all.Count, null, ct).ConfigureAwait(false);
    }

    private Task<SignedTreeHead> LogAsync(IGovernanceSession s, AuditEvent e, CancellationToken ct) => _ledger.AppendAsync(s, [e], ct);

    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
}
