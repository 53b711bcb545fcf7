namespace Obscura.Governance.Accountability;

/// <summary>One item of a processor's security checklist, as the controller completed it.</summary>
/// <param name="Item">The item's id: one of <see cref="ProcessorReview.RequiredItems"/> or the controller's own (a slug).</param>
/// <param name="Satisfied">Whether the controller checked it and found it met.</param>
/// <param name="Evidence">What the controller checked (an audit report, a contract clause, a test), 1–2000 characters; required when satisfied.</param>
public sealed record ChecklistItem(string Item, bool Satisfied, string? Evidence = null);
