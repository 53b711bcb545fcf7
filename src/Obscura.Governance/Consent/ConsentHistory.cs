using Obscura.Governance.Subjects;

namespace Obscura.Governance.Consent;

/// <summary>A subject's consent and objection histories, oldest first, and the current state per purpose they fold to.</summary>
/// <param name="Subject">Whose history.</param>
/// <param name="Consents">Every consent given or withdrawn, in the order recorded.</param>
/// <param name="Objections">Every Art. 21 objection made or lifted, in the order recorded.</param>
/// <param name="Statuses">The current state for each purpose with any history, ordered by purpose id.</param>
public sealed record ConsentHistory(
    SubjectId Subject,
    IReadOnlyList<ConsentEvent> Consents,
    IReadOnlyList<ObjectionEvent> Objections,
    IReadOnlyList<ConsentStatus> Statuses);
