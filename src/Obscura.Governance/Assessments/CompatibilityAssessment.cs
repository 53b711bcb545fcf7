namespace Obscura.Governance.Assessments;

/// <summary>A recorded Art. 6(4) compatibility assessment. The latest one for a pair of purposes is the one in force.</summary>
/// <param name="Id">Opaque id.</param>
/// <param name="Draft">What was assessed and concluded.</param>
/// <param name="AssessedAt">When it was recorded.</param>
public sealed record CompatibilityAssessment(string Id, CompatibilityAssessmentDraft Draft, DateTimeOffset AssessedAt);
