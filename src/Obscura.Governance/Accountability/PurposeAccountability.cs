using Obscura.Governance.Purposes;

namespace Obscura.Governance.Accountability;

/// <summary>
/// The accountability documents in force for a purpose (the latest of each kind; the latest review of each processor),
/// how many visitors objected, and every gap: what the law asks for and is missing, failed, pending or incomplete.
/// </summary>
/// <param name="Purpose">The purpose.</param>
/// <param name="ProcessorReviews">The latest review of each declared processor that has one.</param>
/// <param name="VisitorObjections">How many visitors' objections are recorded.</param>
/// <param name="Gaps">What is missing or incomplete, each naming its article; empty when the record is complete.</param>
/// <param name="LegitimateInterests">The latest legitimate-interests assessment, if any.</param>
/// <param name="ImpactAssessment">The latest DPIA, if any.</param>
/// <param name="PriorConsultation">The latest prior consultation, if any.</param>
/// <param name="NoticeParticulars">The latest particulars of the layered notice, if any (not a gap: only the notice needs them).</param>
public sealed record PurposeAccountability(
    PurposeId Purpose,
    IReadOnlyList<ProcessorReview> ProcessorReviews,
    long VisitorObjections,
    IReadOnlyList<string> Gaps,
    LegitimateInterestsAssessment? LegitimateInterests = null,
    ImpactAssessment? ImpactAssessment = null,
    PriorConsultation? PriorConsultation = null,
    NoticeParticulars? NoticeParticulars = null)
{
    /// <summary>Whether nothing is missing or incomplete.</summary>
    public bool Complete => Gaps.Count == 0;

    /// <summary>Builds the summary and its gaps from the documents in force.</summary>
    public static PurposeAccountability Build(Purpose purpose, LegitimateInterestsAssessment? lia, ImpactAssessment? dpia, PriorConsultation? consultation, IReadOnlyList<ProcessorReview> reviews, long objections)
    {
        ArgumentNullException.ThrowIfNull(purpose);
        ArgumentNullException.ThrowIfNull(reviews);
        var gaps = new List<string>();
        if (purpose.Definition.LawfulBasis == LawfulBasis.LegitimateInterests)
        {
            if (lia is null)
            {
                gaps.Add("No legitimate-interests assessment is recorded (Art. 6(1)(f)).");
            }
            else if (lia.Outcome != LegitimateInterestsOutcome.Passed)
            {
                gaps.Add("The legitimate-interests assessment failed: Art. 6(1)(f) cannot be relied on.");
            }
        }

        if (dpia is null)
        {
            gaps.Add("No data protection impact assessment is recorded (Art. 35).");
        }
        else if (dpia.NeedsPriorConsultation)
        {
            var state = consultation?.Outcome;
            if (state is null)
            {
                gaps.Add("The DPIA leaves a high risk and no prior consultation is recorded (Art. 36(1)).");
            }
            else if (state == ConsultationOutcome.Pending)
            {
                gaps.Add("The prior consultation is pending: processing waits for the authority (Art. 36(2)).");
            }
            else if (state == ConsultationOutcome.Refused)
            {
                gaps.Add("The supervisory authority refused the processing in the prior consultation (Art. 36(2)).");
            }
        }

        foreach (var processor in purpose.Definition.Processors)
        {
            var review = reviews.FirstOrDefault(r => r.Processor == processor.Name);
            if (review is null)
            {
                gaps.Add($"Processor '{processor.Name}' has not been reviewed by the controller (Art. 28(1)).");
            }
            else if (!review.Complete)
            {
                gaps.Add($"The security checklist of processor '{processor.Name}' is incomplete (Art. 28, 32): {string.Join(", ", review.OpenItems)}.");
            }
        }

        return new PurposeAccountability(purpose.Id, reviews, objections, gaps, lia, dpia, consultation);
    }
}
