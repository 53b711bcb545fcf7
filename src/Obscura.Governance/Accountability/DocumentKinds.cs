namespace Obscura.Governance.Accountability;

/// <summary>
/// The kinds of accountability document a purpose holds (the <c>kind</c> column of <c>purpose_documents</c>). The names
/// are stored and hashed into the ledger's commitments and must never change.
/// </summary>
public static class DocumentKinds
{
    /// <summary>An objection of an anonymous visitor under Art. 21 (<see cref="VisitorObjection"/>).</summary>
    public const string VisitorObjection = "visitor-objection";

    /// <summary>A legitimate-interests assessment (Art. 6(1)(f)).</summary>
    public const string LegitimateInterests = "legitimate-interests-assessment";

    /// <summary>A data protection impact assessment (Art. 35).</summary>
    public const string ImpactAssessment = "impact-assessment";

    /// <summary>A prior consultation of the supervisory authority (Art. 36).</summary>
    public const string PriorConsultation = "prior-consultation";

    /// <summary>The controller's review of a processor (Art. 28), with its security checklist.</summary>
    public const string ProcessorReview = "processor-review";

    /// <summary>The particulars of the layered notice (<see cref="Accountability.NoticeParticulars"/>).</summary>
    public const string NoticeParticulars = "notice-particulars";

    /// <summary>Every kind, in the order above.</summary>
    public static IReadOnlyList<string> All { get; } = [VisitorObjection, LegitimateInterests, ImpactAssessment, PriorConsultation, ProcessorReview, NoticeParticulars];
}
