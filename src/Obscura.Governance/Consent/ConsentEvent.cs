using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Governance.Consent;

/// <summary>One entry in a subject's consent history for one purpose. History is append-only; the latest entry wins.</summary>
/// <param name="Id">Opaque event id.</param>
/// <param name="Subject">Whose consent.</param>
/// <param name="Purpose">For which purpose (consent is granular: one purpose at a time).</param>
/// <param name="Kind">Given or withdrawn.</param>
/// <param name="At">When.</param>
/// <param name="NoticeVersion">Version of the privacy notice shown when consent was given (empty for withdrawals).</param>
/// <param name="Explicit">Whether consent was given by an express statement (Art. 9(2)(a)).</param>
/// <param name="Channel">How it was captured, for example <c>mobile-app</c>.</param>
/// <param name="Actor">Which authenticated principal recorded it.</param>
public sealed record ConsentEvent(
    string Id,
    SubjectId Subject,
    PurposeId Purpose,
    ConsentEventKind Kind,
    DateTimeOffset At,
    string NoticeVersion,
    bool Explicit,
    string Channel,
    string Actor);
