using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Governance.Consent;

/// <summary>The current consent and objection state of one subject for one purpose, derived from their histories.</summary>
/// <param name="Subject">The subject.</param>
/// <param name="Purpose">The purpose.</param>
/// <param name="ConsentGiven">Whether consent is live now.</param>
/// <param name="Explicit">Whether the live consent is explicit.</param>
/// <param name="NoticeVersion">The notice version of the live consent, if any.</param>
/// <param name="GivenAt">When the live consent was given, if any.</param>
/// <param name="WithdrawnAt">When consent was last withdrawn, if it is withdrawn now.</param>
/// <param name="Objected">Whether an Art. 21 objection is in force.</param>
/// <param name="ObjectedAt">When that objection was made.</param>
public sealed record ConsentStatus(
    SubjectId Subject,
    PurposeId Purpose,
    bool ConsentGiven,
    bool Explicit,
    string? NoticeVersion,
    DateTimeOffset? GivenAt,
    DateTimeOffset? WithdrawnAt,
    bool Objected,
    DateTimeOffset? ObjectedAt)
{
    /// <summary>Folds consent and objection histories, each in the order recorded, into the current state: the last event of each wins.</summary>
    public static ConsentStatus From(SubjectId subject, PurposeId purpose, IEnumerable<ConsentEvent> consents, IEnumerable<ObjectionEvent> objections)
    {
        var lastConsent = consents.LastOrDefault(e => e.Subject == subject && e.Purpose == purpose);
        var lastObjection = objections.LastOrDefault(e => e.Subject == subject && e.Purpose == purpose);
        var given = lastConsent?.Kind == ConsentEventKind.Given;
        var objected = lastObjection?.Kind == ObjectionEventKind.Objected;
        return new ConsentStatus(
            subject,
            purpose,
            given,
            given && lastConsent!.Explicit,
            given ? lastConsent!.NoticeVersion : null,
            given ? lastConsent!.At : null,
            lastConsent?.Kind == ConsentEventKind.Withdrawn ? lastConsent.At : null,
            objected,
            objected ? lastObjection!.At : null);
    }
}
