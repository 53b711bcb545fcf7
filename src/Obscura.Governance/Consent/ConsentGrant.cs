using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Governance.Consent;

/// <summary>A request to record that a subject gave consent.</summary>
/// <param name="Subject">The subject.</param>
/// <param name="Purpose">The one purpose consented to.</param>
/// <param name="NoticeVersion">Version of the notice the subject saw, 1–64 characters of letters, digits and ._:/@-.</param>
/// <param name="Explicit">Whether the subject made an express statement of consent (needed for Art. 9(2)(a)).</param>
/// <param name="Channel">How consent was captured, 1–64 characters of letters, digits and ._:/@-.</param>
public sealed record ConsentGrant(SubjectId Subject, PurposeId Purpose, string NoticeVersion, bool Explicit, string Channel);
