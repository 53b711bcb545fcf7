using Obscura.Governance.Purposes;

namespace Obscura.Vault;

/// <summary>
/// One version of the documented minimisation policy of a training purpose: which share of the eligible records may be
/// used, stratified by which labels, capped at how many, why, and who approved it. Versions are never edited: a change
/// (for example a fraud event that needs more data) is a new version with its own justification.
/// </summary>
/// <param name="Purpose">The training purpose the policy governs.</param>
/// <param name="Version">1, 2, 3, … per purpose.</param>
/// <param name="Fraction">Share of eligible records selected, in (0, 1]; the default is 0.10.</param>
/// <param name="StratifyBy">Label keys whose values define the strata; each stratum gets its proportional share.</param>
/// <param name="MaxRecords">Upper bound on the selected records, or <see langword="null"/> for none.</param>
/// <param name="Justification">Why this much data is necessary (the written minimisation rationale).</param>
/// <param name="ApprovedBy">Who approved this version.</param>
/// <param name="CreatedAt">When the version was recorded.</param>
/// <param name="AllowedFields">
/// The fields an export under this version may contain, in the field syntax of <see cref="TrainingExportRequest"/>
/// (<c>payload</c>, <c>subject</c>, <c>collected-at</c>, <c>source</c>, <c>content-type</c>, <c>label:KEY</c>), or
/// <see langword="null"/> for no restriction beyond what each export declares. An export naming any other field is refused.
/// </param>
public sealed record MinimisationPolicy(
    PurposeId Purpose,
    int Version,
    double Fraction,
    IReadOnlyList<string> StratifyBy,
    int? MaxRecords,
    string Justification,
    string ApprovedBy,
    DateTimeOffset CreatedAt,
    IReadOnlyList<string>? AllowedFields = null)
{
    /// <summary>The fraction used when a policy does not name one.</summary>
    public const double DefaultFraction = 0.10;

    /// <summary>The shortest justification accepted, in characters.</summary>
    public const int MinJustificationLength = 20;
}
