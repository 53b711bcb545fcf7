using Obscura.Governance.Assessments;
using Obscura.Governance.Purposes;

namespace Obscura.Governance.Records;

/// <summary>A declared reuse of data from another purpose and the Art. 6(4) assessment in force for it.</summary>
/// <param name="FromPurpose">The purpose the data was collected for.</param>
/// <param name="Outcome">The latest assessment's outcome, or <see langword="null"/> when none was made.</param>
/// <param name="AssessedAt">When that assessment was recorded.</param>
public sealed record ReuseRecord(PurposeId FromPurpose, CompatibilityOutcome? Outcome, DateTimeOffset? AssessedAt);
