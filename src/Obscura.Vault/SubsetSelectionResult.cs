using Obscura.Governance.Subjects;

namespace Obscura.Vault;

/// <summary>The outcome of a selection under one policy version.</summary>
/// <param name="Policy">The policy applied.</param>
/// <param name="SelectedAt">When.</param>
/// <param name="Eligible">Records eligible for the training purpose at that time.</param>
/// <param name="ObjectIds">The selected objects, in ordinal order.</param>
/// <param name="Subjects">The subjects of the selected objects, distinct, in ordinal order.</param>
public sealed record SubsetSelectionResult(MinimisationPolicy Policy, DateTimeOffset SelectedAt, int Eligible, IReadOnlyList<string> ObjectIds, IReadOnlyList<SubjectId> Subjects);
