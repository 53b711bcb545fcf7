using Obscura.Governance.Accountability;
using Obscura.Governance.Purposes;

namespace Obscura.TestSupport;

/// <summary>Accountability documents of the store-analytics purpose (issue 16), valid unless a test changes them.</summary>
public static class SampleAccountability
{
    /// <summary>A legitimate-interests assessment with the given outcome.</summary>
    public static LegitimateInterestsAssessment Lia(PurposeId purpose, LegitimateInterestsOutcome outcome = LegitimateInterestsOutcome.Passed) => new(
        purpose,
        "To plan staffing and the store layout from visitor flows and queues.",
        [new("Is the interest lawful and real?", "Queues and staffing are a real, lawful business interest.")],
        [new("Would less do?", "Manual counts miss queues; group IDs without images are the least intrusive way found.")],
        [new("Would visitors expect it, and what is the impact?", "Signed at the entrance; no image kept; a masked lane for those who object.")],
        outcome,
        "dpo");

    /// <summary>A DPIA whose one risk is left at <paramref name="residual"/>.</summary>
    public static ImpactAssessment Dpia(PurposeId purpose, ResidualRisk residual = ResidualRisk.High) => new(
        purpose,
        new DateOnly(2026, 3, 1),
        "Faces are analysed at the edge into group IDs; only aggregates leave the store.",
        [new("A visitor is re-identified from his group ID.", "Randomised bits, daily keys, minimum group size.", residual)],
        "Proceed after consulting the authority.",
        "dpo");

    /// <summary>A prior consultation of IMY, answered unless <paramref name="outcome"/> is pending.</summary>
    public static PriorConsultation Consultation(PurposeId purpose, ConsultationOutcome outcome) => outcome == ConsultationOutcome.Pending
        ? new(purpose, "Integritetsskyddsmyndigheten (IMY)", new DateOnly(2026, 3, 10), outcome)
        : new(purpose, "Integritetsskyddsmyndigheten (IMY)", new DateOnly(2026, 3, 10), outcome, "DI-2026-0042", new DateOnly(2026, 5, 2), outcome == ConsultationOutcome.Conditions ? "Re-test the re-match rate yearly." : null);

    /// <summary>A review of <paramref name="processor"/>; every other required item is open unless <paramref name="complete"/>.</summary>
    public static ProcessorReview Review(PurposeId purpose, string processor, bool complete) => new(
        purpose,
        processor,
        "DPA-2026-07",
        new DateOnly(2026, 4, 1),
        ProcessorReview.RequiredItems.Select((item, i) => complete || i % 2 == 0 ? new ChecklistItem(item, true, $"Checked: {item} (audit report 2026-03)") : new ChecklistItem(item, false)).ToList(),
        "dpo");

    /// <summary>The particulars of the layered notice.</summary>
    public static NoticeParticulars Particulars(PurposeId purpose) => new(
        purpose,
        "Integritetsskyddsmyndigheten (IMY), www.imy.se",
        new Uri("https://retail.example/cameras"),
        new Uri("https://retail.example/object"),
        "Walk in through the lane marked in yellow on the left: faces there are not analysed.",
        "dpo@retail.example");
}
