namespace Obscura.Governance.Purposes;

/// <summary>A registered processing purpose.</summary>
/// <param name="Definition">What was registered.</param>
/// <param name="RegisteredAt">When it was registered.</param>
public sealed record Purpose(PurposeDefinition Definition, DateTimeOffset RegisteredAt)
{
    /// <summary>The purpose id.</summary>
    public PurposeId Id => Definition.Id;

    /// <summary>Whether any data category processed is special (Art. 9 / Art. 10).</summary>
    public bool ProcessesSpecialCategories => Definition.DataCategories.Any(c => c.IsSpecialCategory);

    /// <summary>Whether processing depends on the subject's live consent (Art. 6(1)(a) or Art. 9(2)(a)).</summary>
    public bool RequiresConsent =>
        Definition.LawfulBasis == LawfulBasis.Consent || Definition.SpecialCategoryCondition == SpecialCategoryCondition.ExplicitConsent;

    /// <summary>Whether that consent must be explicit (Art. 9(2)(a)).</summary>
    public bool RequiresExplicitConsent => Definition.SpecialCategoryCondition == SpecialCategoryCondition.ExplicitConsent;
}
