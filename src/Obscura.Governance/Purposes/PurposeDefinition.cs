namespace Obscura.Governance.Purposes;

/// <summary>What a controller asks to register as a processing purpose. Validated by <see cref="GovernanceService.RegisterPurposeAsync"/>.</summary>
/// <param name="Id">The purpose id.</param>
/// <param name="Name">Short human-readable name, 1–200 characters.</param>
/// <param name="Description">What the processing is and why it is necessary, up to 4000 characters.</param>
/// <param name="LawfulBasis">The Art. 6(1) basis.</param>
/// <param name="SpecialCategoryCondition">The Art. 9(2) condition; required when any category is special, <see cref="Purposes.SpecialCategoryCondition.None"/> otherwise.</param>
/// <param name="SubjectCategories">Categories of data subjects (Art. 30(1)(c)), slugs such as <c>customers</c> or <c>store-visitors</c>; at least one.</param>
/// <param name="DataCategories">The categories of personal data processed; at least one, no duplicates.</param>
/// <param name="Practices">What is done with the data; at least one. Prohibited practices are refused.</param>
/// <param name="Controller">The controller.</param>
/// <param name="Processors">Processors acting on the controller's behalf; may be empty.</param>
/// <param name="Retention">How long data held for this purpose may be kept.</param>
/// <param name="ReusesDataFrom">Purposes whose data this purpose reuses; processing such data needs a passed Art. 6(4) assessment unless this purpose relies on consent.</param>
public sealed record PurposeDefinition(
    PurposeId Id,
    string Name,
    string Description,
    LawfulBasis LawfulBasis,
    SpecialCategoryCondition SpecialCategoryCondition,
    IReadOnlyList<string> SubjectCategories,
    IReadOnlyList<DataCategory> DataCategories,
    IReadOnlyList<ProcessingPractice> Practices,
    Organisation Controller,
    IReadOnlyList<Organisation> Processors,
    RetentionPeriod Retention,
    IReadOnlyList<PurposeId> ReusesDataFrom);
