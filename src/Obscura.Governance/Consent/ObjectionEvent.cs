using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Governance.Consent;

/// <summary>One entry in a subject's objection history for one purpose (GDPR Art. 21).</summary>
/// <param name="Id">Opaque event id.</param>
/// <param name="Subject">Who objects.</param>
/// <param name="Purpose">To which purpose.</param>
/// <param name="Kind">Objected or lifted.</param>
/// <param name="At">When.</param>
/// <param name="Actor">Which authenticated principal recorded it.</param>
public sealed record ObjectionEvent(string Id, SubjectId Subject, PurposeId Purpose, ObjectionEventKind Kind, DateTimeOffset At, string Actor);
