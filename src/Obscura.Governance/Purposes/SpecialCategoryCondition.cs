namespace Obscura.Governance.Purposes;

/// <summary>The conditions of GDPR Art. 9(2) that lift the ban on processing special categories of data.</summary>
public enum SpecialCategoryCondition
{
    /// <summary>No special category is processed.</summary>
    None = 0,

    /// <summary>Art. 9(2)(a): explicit consent. Processing then needs a live consent recorded as explicit.</summary>
    ExplicitConsent,

    /// <summary>Art. 9(2)(b): employment and social-security obligations.</summary>
    EmploymentAndSocialSecurity,

    /// <summary>Art. 9(2)(c): vital interests where the subject cannot consent.</summary>
    VitalInterests,

    /// <summary>Art. 9(2)(d): not-for-profit body with a political, philosophical, religious or trade-union aim.</summary>
    NotForProfitBody,

    /// <summary>Art. 9(2)(e): data manifestly made public by the subject.</summary>
    ManifestlyMadePublic,

    /// <summary>Art. 9(2)(f): legal claims or courts acting judicially.</summary>
    LegalClaims,

    /// <summary>Art. 9(2)(g): substantial public interest on the basis of law.</summary>
    SubstantialPublicInterest,

    /// <summary>Art. 9(2)(h): preventive or occupational medicine, health or social care.</summary>
    HealthOrSocialCare,

    /// <summary>Art. 9(2)(i): public interest in public health.</summary>
    PublicHealth,

    /// <summary>Art. 9(2)(j): archiving, scientific or historical research or statistics.</summary>
    ArchivingResearchOrStatistics,
}
