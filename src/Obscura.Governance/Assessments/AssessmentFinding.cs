namespace Obscura.Governance.Assessments;

/// <summary>How one Art. 6(4) factor bears on compatibility.</summary>
public enum AssessmentFinding
{
    /// <summary>The factor supports further processing.</summary>
    Supports = 1,

    /// <summary>The factor is neutral.</summary>
    Neutral,

    /// <summary>The factor weighs against further processing.</summary>
    Against,
}
