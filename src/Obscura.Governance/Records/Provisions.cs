using Obscura.Governance.Purposes;

namespace Obscura.Governance.Records;

/// <summary>The GDPR provision behind each lawful basis and Art. 9(2) condition.</summary>
public static class Provisions
{
    /// <summary>For example <c>GDPR Art. 6(1)(f)</c> for legitimate interests.</summary>
    public static string Of(LawfulBasis basis) => "GDPR Art. 6(1)(" + basis switch
    {
        LawfulBasis.Consent => "a",
        LawfulBasis.Contract => "b",
        LawfulBasis.LegalObligation => "c",
        LawfulBasis.VitalInterests => "d",
        LawfulBasis.PublicTask => "e",
        LawfulBasis.LegitimateInterests => "f",
        _ => throw new ArgumentOutOfRangeException(nameof(basis)),
    } + ")";

    /// <summary>For example <c>GDPR Art. 9(2)(a)</c> for explicit consent; <see langword="null"/> for <see cref="SpecialCategoryCondition.None"/>.</summary>
    public static string? Of(SpecialCategoryCondition condition) => condition == SpecialCategoryCondition.None
        ? null
        : "GDPR Art. 9(2)(" + (char)('a' + (int)condition - 1) + ")";
}
