using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Governance.Consent;

/// <summary>Whether a subject's data may be processed for a purpose right now, and if not, every reason why not.</summary>
/// <param name="Subject">The subject.</param>
/// <param name="Purpose">The purpose asked about.</param>
/// <param name="CollectedFor">The purpose the data was originally collected for, when it differs.</param>
/// <param name="Reasons">Empty when allowed.</param>
public sealed record ProcessingDecision(SubjectId Subject, PurposeId Purpose, PurposeId? CollectedFor, IReadOnlyList<DenialReason> Reasons)
{
    /// <summary>Whether processing is allowed.</summary>
    public bool Allowed => Reasons.Count == 0;
}
