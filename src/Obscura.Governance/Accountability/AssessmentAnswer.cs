namespace Obscura.Governance.Accountability;

/// <summary>One question of an assessment and the assessor's recorded answer (each 1–2000 characters).</summary>
/// <param name="Question">The question, e.g. "Is the processing necessary for the interest, or would less do?".</param>
/// <param name="Answer">The answer as recorded.</param>
public sealed record AssessmentAnswer(string Question, string Answer);
