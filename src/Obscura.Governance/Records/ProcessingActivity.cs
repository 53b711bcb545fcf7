using Obscura.Governance.Purposes;

namespace Obscura.Governance.Records;

/// <summary>One processing activity as GDPR Art. 30(1) requires it to be recorded.</summary>
/// <param name="Purpose">Purpose id.</param>
/// <param name="Name">Purpose name (Art. 30(1)(b)).</param>
/// <param name="Description">What and why.</param>
/// <param name="LawfulBasis">Art. 6(1) basis.</param>
/// <param name="LawfulBasisProvision">The provision, for example <c>GDPR Art. 6(1)(a)</c>.</param>
/// <param name="SpecialCategoryCondition">Art. 9(2) condition.</param>
/// <param name="SpecialCategoryProvision">The provision, when a condition applies.</param>
/// <param name="SubjectCategories">Categories of data subjects (Art. 30(1)(c)).</param>
/// <param name="DataCategories">Categories of personal data (Art. 30(1)(c)).</param>
/// <param name="Processors">Recipients acting as processors (Art. 30(1)(d)).</param>
/// <param name="ThirdCountryTransfers">Processors outside the EEA, that is transfers to third countries (Art. 30(1)(e)).</param>
/// <param name="RetentionDays">Time limit for erasure in days (Art. 30(1)(f)).</param>
/// <param name="Reuses">Reuse of data collected for other purposes and the Art. 6(4) assessments behind it.</param>
/// <param name="SecurityMeasures">Technical and organisational measures in force (Art. 30(1)(g)).</param>
public sealed record ProcessingActivity(
    PurposeId Purpose,
    string Name,
    string Description,
    LawfulBasis LawfulBasis,
    string LawfulBasisProvision,
    SpecialCategoryCondition SpecialCategoryCondition,
    string? SpecialCategoryProvision,
    IReadOnlyList<string> SubjectCategories,
    IReadOnlyList<DataCategory> DataCategories,
    IReadOnlyList<Organisation> Processors,
    IReadOnlyList<Organisation> ThirdCountryTransfers,
    int RetentionDays,
    IReadOnlyList<ReuseRecord> Reuses,
    IReadOnlyList<string> SecurityMeasures)
{
    /// <summary>
    /// The legitimate-interests assessment, DPIA, prior consultation and processor reviews in force, and every gap
    /// (Art. 5(2), 24: the controller's accountability beside the Art. 30 record).
    /// </summary>
    public Accountability.PurposeAccountability? Accountability { get; init; }
}
