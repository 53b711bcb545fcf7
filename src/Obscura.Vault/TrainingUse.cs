using Obscura.Governance.Purposes;

namespace Obscura.Vault;

/// <summary>The latest selection of a training purpose against its policy.</summary>
/// <param name="Purpose">The training purpose.</param>
/// <param name="PolicyVersion">The policy version the selection applied.</param>
/// <param name="Fraction">That version's fraction.</param>
/// <param name="MaxRecords">That version's cap.</param>
/// <param name="Eligible">Records eligible when it was selected.</param>
/// <param name="Selected">Records selected.</param>
/// <param name="SelectedAt">When.</param>
public sealed record TrainingUse(PurposeId Purpose, int PolicyVersion, double Fraction, int? MaxRecords, int Eligible, int Selected, DateTimeOffset SelectedAt);
