using Obscura.Governance.Purposes;

namespace Obscura.Governance.Accountability;

/// <summary>
/// An objection under Art. 21(1) of a visitor who is not a registered subject and stays anonymous: no face, no subject
/// id, no contact; only where and when, how it reached the controller and, if the visitor gave one, the grounds.
/// </summary>
/// <param name="Purpose">The purpose objected to: a registered purpose under Art. 6(1)(e) or (f).</param>
/// <param name="Store">The store (or site), 1–64 characters of letters, digits and <c>._:/@-</c>.</param>
/// <param name="Date">The day of the visit the objection is about (the store's local date); not later than tomorrow in UTC.</param>
/// <param name="Channel">How it was made, e.g. <c>kiosk</c>, <c>web-form</c>, <c>staff</c>: 1–64 characters of letters, digits and <c>._:/@-</c>.</param>
/// <param name="Reason">
/// The grounds relating to the visitor's particular situation, as written; optional, at most
/// <see cref="VisitorObjection.MaxReasonLength"/> characters, no control characters but line breaks. Stored, never
/// written to the ledger (only its hash is); a visitor may write personal data here, so it is shown only to the
/// controller and auditors.
/// </param>
public sealed record VisitorObjectionDraft(PurposeId Purpose, string Store, DateOnly Date, string Channel, string? Reason = null);
