using Obscura.Governance.Purposes;

namespace Obscura.Governance.Accountability;

/// <summary>
/// A legitimate-interests assessment (Art. 6(1)(f)): the purpose test (is the interest legitimate?), the necessity test
/// (is the processing necessary for it?) and the balancing test (do the data subjects' interests override it?), each
/// with its recorded answers, and the outcome.
/// </summary>
/// <param name="Purpose">The purpose assessed; it must rely on legitimate interests.</param>
/// <param name="Interest">The legitimate interest pursued, as the notice states it (1–2000 characters).</param>
/// <param name="PurposeTest">At least one answered question.</param>
/// <param name="NecessityTest">At least one answered question.</param>
/// <param name="BalancingTest">At least one answered question.</param>
/// <param name="Outcome">The conclusion.</param>
/// <param name="Assessor">Who assessed (role or office id, 1–64 characters of letters, digits and <c>._:/@-</c>).</param>
public sealed record LegitimateInterestsAssessment(
    PurposeId Purpose,
    string Interest,
    IReadOnlyList<AssessmentAnswer> PurposeTest,
    IReadOnlyList<AssessmentAnswer> NecessityTest,
    IReadOnlyList<AssessmentAnswer> BalancingTest,
    LegitimateInterestsOutcome Outcome,
    string Assessor);
