namespace Obscura.Governance.Accountability;

/// <summary>The conclusion of a legitimate-interests assessment.</summary>
public enum LegitimateInterestsOutcome
{
    /// <summary>The interest is legitimate, the processing necessary, and the visitors' interests do not override it.</summary>
    Passed = 1,

    /// <summary>One of the three tests failed: Art. 6(1)(f) cannot be relied on.</summary>
    Failed,
}
