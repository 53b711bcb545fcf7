using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Storage;

namespace Obscura.Governance.Accountability;

/// <summary>The legitimate-interests assessment, DPIA, prior consultation and processor reviews of a purpose.</summary>
public sealed partial class AccountabilityService
{
    /// <summary>Records a legitimate-interests assessment of a purpose that relies on Art. 6(1)(f); the latest is in force.</summary>
    public Task<Outcome<LegitimateInterestsAssessment>> RecordLegitimateInterestsAsync(Actor actor, LegitimateInterestsAssessment assessment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        return RecordAsync(actor, DocumentKinds.LegitimateInterests, "lia", assessment.Purpose, assessment, DocumentValidation.Validate(assessment), p =>
            p.Definition.LawfulBasis == LawfulBasis.LegitimateInterests
                ? null
                : new GovernanceError(GovernanceErrorKind.NotApplicable, $"Purpose '{p.Id}' relies on {p.Definition.LawfulBasis}, not legitimate interests.", Citation: "GDPR Art. 6(1)(f)"), cancellationToken);
    }

    /// <summary>Records a DPIA (Art. 35); the latest is in force.</summary>
    public Task<Outcome<ImpactAssessment>> RecordImpactAssessmentAsync(Actor actor, ImpactAssessment assessment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        return RecordAsync(actor, DocumentKinds.ImpactAssessment, "dpia", assessment.Purpose, assessment, DocumentValidation.Validate(assessment), _ => null, cancellationToken);
    }

    /// <summary>Records a prior consultation (Art. 36) or its answer; the latest is in force.</summary>
    public Task<Outcome<PriorConsultation>> RecordPriorConsultationAsync(Actor actor, PriorConsultation consultation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(consultation);
        return RecordAsync(actor, DocumentKinds.PriorConsultation, "pcn", consultation.Purpose, consultation, DocumentValidation.Validate(consultation), _ => null, cancellationToken);
    }

    /// <summary>Records the controller's review of one of the purpose's declared processors (Art. 28); the latest per processor is in force.</summary>
    public Task<Outcome<ProcessorReview>> RecordProcessorReviewAsync(Actor actor, ProcessorReview review, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(review);
        return RecordAsync(actor, DocumentKinds.ProcessorReview, "prv", review.Purpose, review, DocumentValidation.Validate(review), p =>
            p.Definition.Processors.Any(o => o.Name == review.Processor)
                ? null
                : GovernanceError.Invalid("processor", $"Purpose '{p.Id}' declares no processor of this name; register a purpose that declares it."), cancellationToken);
    }

    /// <summary>Records the particulars of the purpose's layered notice (addresses, objection procedure, complaint route); the latest is in force.</summary>
    public Task<Outcome<NoticeParticulars>> RecordNoticeParticularsAsync(Actor actor, NoticeParticulars particulars, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(particulars);
        return RecordAsync(actor, DocumentKinds.NoticeParticulars, "ntc", particulars.Purpose, particulars, DocumentValidation.Validate(particulars), _ => null, cancellationToken);
    }

    /// <summary>The documents in force for <paramref name="purpose"/> and every gap, or <see cref="GovernanceErrorKind.NotFound"/>.</summary>
    /// <exception cref="DocumentNotCommittedException">The purpose's documents do not match what the ledger committed.</exception>
    public async Task<Outcome<PurposeAccountability>> GetAsync(PurposeId purpose, CancellationToken cancellationToken)
    {
        var governed = await GetGovernedAsync(purpose, cancellationToken).ConfigureAwait(false);
        return governed.Succeeded ? governed.Value.Accountability : governed.Error;
    }

    /// <summary>
    /// The registered purpose and its summary, read and checked against the ledger in one transaction: what a notice or
    /// a publication decision is built from. Reading the purpose in a transaction of its own would let a registration
    /// changed in between (a processor dropped, the retention shortened) pass the gate unchecked.
    /// </summary>
    /// <exception cref="DocumentNotCommittedException">The purpose's registration or documents do not match what the ledger committed.</exception>
    public Task<Outcome<(Purpose Purpose, PurposeAccountability Accountability)>> GetGovernedAsync(PurposeId purpose, CancellationToken cancellationToken) =>
        _store.ReadAsync<Outcome<(Purpose Purpose, PurposeAccountability Accountability)>>(async (s, ct) =>
            await s.GetPurposeAsync(purpose, ct).ConfigureAwait(false) is { } p
                ? (p, await SummaryAsync(s, _ledger, p, ct).ConfigureAwait(false))
                : GovernanceError.NotFound($"Purpose '{purpose}' is not registered."), cancellationToken);

    /// <summary>The summary of <paramref name="purpose"/> read in session <paramref name="s"/> (also used by the records of processing).</summary>
    /// <exception cref="DocumentNotCommittedException">The purpose's documents do not match what the ledger committed.</exception>
    internal static async Task<PurposeAccountability> SummaryAsync(IGovernanceSession s, AuditLedger ledger, Purpose purpose, CancellationToken ct)
    {
        await EnsureCommittedAsync(s, ledger, purpose.Id, ct).ConfigureAwait(false);
        var lia = await LatestAsync<LegitimateInterestsAssessment>(s, purpose.Id, DocumentKinds.LegitimateInterests, ct).ConfigureAwait(false);
        var dpia = await LatestAsync<ImpactAssessment>(s, purpose.Id, DocumentKinds.ImpactAssessment, ct).ConfigureAwait(false);
        var consultation = await LatestAsync<PriorConsultation>(s, purpose.Id, DocumentKinds.PriorConsultation, ct).ConfigureAwait(false);
        var reviews = (await s.GetDocumentsAsync(purpose.Id, DocumentKinds.ProcessorReview, null, int.MaxValue, ct).ConfigureAwait(false))
            .Select(d => Deserialize<ProcessorReview>(d.Body))
            .GroupBy(r => r.Processor, StringComparer.Ordinal)
            .Select(g => g.Last())
            .OrderBy(r => r.Processor, StringComparer.Ordinal)
            .ToList();
        var objections = await s.CountDocumentsAsync(purpose.Id, DocumentKinds.VisitorObjection, ct).ConfigureAwait(false);
        var particulars = await LatestAsync<NoticeParticulars>(s, purpose.Id, DocumentKinds.NoticeParticulars, ct).ConfigureAwait(false);
        return PurposeAccountability.Build(purpose, lia, dpia, consultation, reviews, objections) with { NoticeParticulars = particulars };
    }

    /// <summary>
    /// Refuses to go on unless the purpose's registration row and its stored documents are exactly those the ledger committed,
    /// each with the content committed: a changed row would be served as genuine, a deleted one would put an older
    /// document back in force, and one inserted under a committed row's key is counted out.
    /// </summary>
    /// <exception cref="DocumentNotCommittedException">They are not.</exception>
    internal static async Task EnsureCommittedAsync(IGovernanceSession s, AuditLedger ledger, PurposeId purpose, CancellationToken ct)
    {
        long stored = 0;
        foreach (var kind in DocumentKinds.All)
        {
            stored += await s.CountDocumentsAsync(purpose, kind, ct).ConfigureAwait(false);
        }

        // The registration too: the gaps, the gate and the notice are built from its processors, retention and controller.
        if (stored > int.MaxValue
            || !await RecordCheck.AllCommittedAsync(s, ledger, RecordTables.Purposes, [purpose.Value], ct).ConfigureAwait(false)
            || !await RecordCheck.ExactlyCommittedAsync(s, ledger, RecordTables.PurposeDocuments, null, purpose, (int)stored, null, ct).ConfigureAwait(false))
        {
            throw new DocumentNotCommittedException(purpose);
        }
    }

    private static async Task<T?> LatestAsync<T>(IGovernanceSession s, PurposeId purpose, string kind, CancellationToken ct)
        where T : class =>
        await s.GetLatestDocumentAsync(purpose, kind, ct).ConfigureAwait(false) is { } row ? Deserialize<T>(row.Body) : null;

    private Task<Outcome<T>> RecordAsync<T>(Actor actor, string kind, string idPrefix, PurposeId purpose, T document, GovernanceError? invalid, Func<Purpose, GovernanceError?> applies, CancellationToken cancellationToken)
    {
        if (purpose.Value is null)
        {
            return Task.FromResult<Outcome<T>>(GovernanceError.Invalid("purpose", "The purpose is required."));
        }

        if (invalid is not null)
        {
            return Task.FromResult<Outcome<T>>(invalid);
        }

        return _store.WriteAsync<Outcome<T>>(async (s, ct) =>
        {
            if (await s.GetPurposeAsync(purpose, ct).ConfigureAwait(false) is not { } p)
            {
                return GovernanceError.NotFound($"Purpose '{purpose}' is not registered.");
            }

            if (applies(p) is { } error)
            {
                return error;
            }

            await InsertAsync(s, actor, kind, idPrefix, purpose, document, GovernanceCategories.AssessmentRecord, ct).ConfigureAwait(false);
            return document;
        }, cancellationToken);
    }
}
