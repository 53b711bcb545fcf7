namespace Obscura.Governance.Purposes;

/// <summary>The lawful bases of GDPR Art. 6(1).</summary>
public enum LawfulBasis
{
    /// <summary>Art. 6(1)(a): the data subject has given consent.</summary>
    Consent = 1,

    /// <summary>Art. 6(1)(b): necessary for a contract with the data subject.</summary>
    Contract,

    /// <summary>Art. 6(1)(c): necessary for a legal obligation of the controller.</summary>
    LegalObligation,

    /// <summary>Art. 6(1)(d): necessary to protect vital interests.</summary>
    VitalInterests,

    /// <summary>Art. 6(1)(e): necessary for a task in the public interest or official authority.</summary>
    PublicTask,

    /// <summary>Art. 6(1)(f): necessary for legitimate interests not overridden by the subject's rights.</summary>
    LegitimateInterests,
}
