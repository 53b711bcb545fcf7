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

/// <summary>Objects held for one purpose.</summary>
public sealed record StoredPerPurpose(string Purpose, int Objects, int Subjects, long Bytes, DateTimeOffset? OldestCollected, DateTimeOffset? NextExpiry);

/// <summary>The latest selection of a training purpose against its policy.</summary>
public sealed record TrainingUse(string Purpose, int PolicyVersion, double Fraction, int? MaxRecords, int Eligible, int Selected, DateTimeOffset SelectedAt);

/// <summary>Deletions for one reason (retention, withdrawal, erasure, recovery; ':key-destroyed' rows count destroyed subject keys).</summary>
public sealed record DeletionSummary(string Reason, int Count, long Bytes, DateTimeOffset Last);
