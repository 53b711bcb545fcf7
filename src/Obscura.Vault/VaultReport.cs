namespace Obscura.Vault;

/// <summary>The data protection officer's view of the vault.</summary>
/// <param name="GeneratedAt">When the report was made.</param>
/// <param name="Stored">What is stored, per purpose it was collected for.</param>
/// <param name="Training">Per training purpose: the current policy and how much of the eligible data its latest selection used.</param>
/// <param name="Exports">Every export, open, closed or deleted.</param>
/// <param name="Deletions">What was deleted, per reason, and when last.</param>
public sealed record VaultReport(
    DateTimeOffset GeneratedAt,
    IReadOnlyList<StoredPerPurpose> Stored,
    IReadOnlyList<TrainingUse> Training,
    IReadOnlyList<TrainingExport> Exports,
    IReadOnlyList<DeletionSummary> Deletions);
