using Obscura.Governance.Internal;

namespace Obscura.Governance.Assessments;

/// <summary>Checks that an assessment is complete and that its conclusion is defensible.</summary>
internal static class AssessmentValidation
{
    public static GovernanceError? Validate(CompatibilityAssessmentDraft d)
    {
        if (d.FromPurpose.Value is null)
        {
            return GovernanceError.Invalid("fromPurpose", "The original purpose is required.");
        }

        if (d.ToPurpose.Value is null)
        {
            return GovernanceError.Invalid("toPurpose", "The new purpose is required.");
        }

        if (d.FromPurpose == d.ToPurpose)
        {
            return GovernanceError.Invalid("toPurpose", "An assessment compares two different purposes.");
        }

        foreach (var (name, factor) in new[] { ("link", d.Link), ("context", d.Context), ("natureOfData", d.NatureOfData), ("consequences", d.Consequences), ("safeguards", d.Safeguards) })
        {
            if (factor is null || !Enum.IsDefined(factor.Finding))
            {
                return GovernanceError.Invalid(name, "Each Art. 6(4) factor needs a finding (Supports, Neutral or Against).");
            }

            if (string.IsNullOrWhiteSpace(factor.Rationale) || factor.Rationale.Length > 4000)
            {
                return GovernanceError.Invalid(name + ".rationale", "Each Art. 6(4) factor needs a written rationale of 1-4000 characters.");
            }
        }

        if (!Enum.IsDefined(d.Outcome))
        {
            return GovernanceError.Invalid("outcome", "The outcome is Compatible or Incompatible.");
        }

        // Art. 6(4)(e): without appropriate safeguards, further processing cannot be found compatible.
        if (d.Outcome == CompatibilityOutcome.Compatible && d.Safeguards.Finding == AssessmentFinding.Against)
        {
            return GovernanceError.Invalid("outcome", "Further processing cannot be found compatible while the safeguards factor weighs against it (Art. 6(4)(e)).");
        }

        if (!Token.IsIdentifier(d.Assessor, 64))
        {
            return GovernanceError.Invalid("assessor", "The assessor is a role or office id of 1-64 characters of letters, digits and ._:/@-.");
        }

        return null;
    }
}
