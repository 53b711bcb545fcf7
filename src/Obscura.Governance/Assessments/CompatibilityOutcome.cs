namespace Obscura.Governance.Assessments;

/// <summary>The conclusion of an Art. 6(4) compatibility assessment.</summary>
public enum CompatibilityOutcome
{
    /// <summary>Further processing is compatible with the original purpose.</summary>
    Compatible = 1,

    /// <summary>Further processing is not compatible; it needs a basis of its own (such as fresh consent).</summary>
    Incompatible,
}
