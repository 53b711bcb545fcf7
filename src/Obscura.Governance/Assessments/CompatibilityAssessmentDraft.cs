using Obscura.Governance.Purposes;

namespace Obscura.Governance.Assessments;

/// <summary>
/// An Art. 6(4) compatibility assessment as submitted: whether data collected for <paramref name="FromPurpose"/> may be
/// processed for <paramref name="ToPurpose"/>, weighed on the five factors the article lists.
/// </summary>
/// <param name="FromPurpose">The purpose the data was collected for.</param>
/// <param name="ToPurpose">The purpose that wants to reuse it.</param>
/// <param name="Link">Art. 6(4)(a): any link between the purposes.</param>
/// <param name="Context">Art. 6(4)(b): the context of collection, in particular the relationship with the subjects.</param>
/// <param name="NatureOfData">Art. 6(4)(c): the nature of the data, in particular special categories.</param>
/// <param name="Consequences">Art. 6(4)(d): possible consequences of the further processing for the subjects.</param>
/// <param name="Safeguards">Art. 6(4)(e): appropriate safeguards such as encryption or pseudonymisation.</param>
/// <param name="Outcome">The assessor's conclusion.</param>
/// <param name="Assessor">Who made the assessment (role or office, for example <c>dpo</c>), 1–64 characters of letters, digits and ._:/@-.</param>
public sealed record CompatibilityAssessmentDraft(
    PurposeId FromPurpose,
    PurposeId ToPurpose,
    AssessmentFactor Link,
    AssessmentFactor Context,
    AssessmentFactor NatureOfData,
    AssessmentFactor Consequences,
    AssessmentFactor Safeguards,
    CompatibilityOutcome Outcome,
    string Assessor);
