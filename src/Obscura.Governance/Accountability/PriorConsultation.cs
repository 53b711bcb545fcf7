using Obscura.Governance.Purposes;

namespace Obscura.Governance.Accountability;

/// <summary>A prior consultation of the supervisory authority (Art. 36) and its outcome.</summary>
/// <param name="Purpose">The purpose consulted on.</param>
/// <param name="Authority">The supervisory authority, e.g. "Integritetsskyddsmyndigheten (IMY)" (1–200 characters).</param>
/// <param name="SubmittedOn">When the consultation was submitted.</param>
/// <param name="Outcome">Where it stands.</param>
/// <param name="Reference">The authority's case reference, required once it answered (1–200 characters).</param>
/// <param name="DecidedOn">When it answered; required once it answered, not before <paramref name="SubmittedOn"/>.</param>
/// <param name="Conditions">The advice or conditions, required for <see cref="ConsultationOutcome.Conditions"/> (1–4000 characters).</param>
public sealed record PriorConsultation(PurposeId Purpose, string Authority, DateOnly SubmittedOn, ConsultationOutcome Outcome, string? Reference = null, DateOnly? DecidedOn = null, string? Conditions = null);
