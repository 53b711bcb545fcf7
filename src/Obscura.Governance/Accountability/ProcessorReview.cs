using Obscura.Governance.Purposes;

namespace Obscura.Governance.Accountability;

/// <summary>
/// The controller's own review of a processor (Art. 28(1): sufficient guarantees; 28(3)(a)–(h): the contract's terms;
/// Art. 32: security), as a checklist. The review is complete when every <see cref="RequiredItems"/> item, and every
/// item the controller added, is satisfied with evidence.
/// </summary>
/// <param name="Purpose">The purpose the processor serves.</param>
/// <param name="Processor">The processor's name, exactly as the purpose declares it.</param>
/// <param name="ContractReference">The Art. 28(3) contract (1–200 characters).</param>
/// <param name="ReviewedOn">When the controller reviewed it.</param>
/// <param name="Checklist">The items as completed; an item appears at most once.</param>
/// <param name="Reviewer">Who reviewed (role or office id).</param>
public sealed record ProcessorReview(PurposeId Purpose, string Processor, string ContractReference, DateOnly ReviewedOn, IReadOnlyList<ChecklistItem> Checklist, string Reviewer)
{
    /// <summary>The items every review answers: Art. 28(3)(a)–(h) and Art. 32.</summary>
    public static IReadOnlyList<string> RequiredItems { get; } =
        ["documented-instructions", "confidentiality", "security-measures", "sub-processors", "data-subject-rights", "assistance", "deletion-or-return", "audits-and-inspections"];

    /// <summary>The required or added items not (yet) satisfied with evidence, in checklist order.</summary>
    public IReadOnlyList<string> OpenItems =>
        RequiredItems.Where(r => !Checklist.Any(c => c.Item == r))
            .Concat(Checklist.Where(c => !c.Satisfied || string.IsNullOrWhiteSpace(c.Evidence)).Select(c => c.Item))
            .ToList();

    /// <summary>Whether every item is satisfied with evidence.</summary>
    public bool Complete => OpenItems.Count == 0;
}
