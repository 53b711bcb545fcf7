namespace Obscura.Governance.Assessments;

/// <summary>One factor of an Art. 6(4) compatibility assessment: a finding and the reasoning behind it.</summary>
/// <param name="Finding">How the factor bears on compatibility.</param>
/// <param name="Rationale">The assessor's reasoning, 1–4000 characters. Describe data and context, never individuals.</param>
public sealed record AssessmentFactor(AssessmentFinding Finding, string Rationale);
