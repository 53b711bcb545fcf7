namespace Obscura.Governance.Consent;

/// <summary>Why processing of a subject's data for a purpose is not allowed.</summary>
public enum DenialReason
{
    /// <summary>The subject is not registered.</summary>
    SubjectUnknown = 1,

    /// <summary>The purpose is not registered.</summary>
    PurposeUnknown,

    /// <summary>The purpose relies on consent and none was ever given.</summary>
    ConsentMissing,

    /// <summary>The purpose relies on consent and it was withdrawn.</summary>
    ConsentWithdrawn,

    /// <summary>The purpose needs explicit consent (Art. 9(2)(a)) and the live consent is not explicit.</summary>
    ExplicitConsentMissing,

    /// <summary>The subject objected to this purpose (Art. 21).</summary>
    Objected,

    /// <summary>The data was collected for another purpose and no Art. 6(4) assessment covers the reuse.</summary>
    ReuseNotAssessed,

    /// <summary>The latest Art. 6(4) assessment found the reuse incompatible.</summary>
    ReuseIncompatible,

    /// <summary>The purpose does not declare that it reuses data from the purpose the data was collected for.</summary>
    ReuseNotDeclared,

    /// <summary>
    /// A record the decision rests on (the subject, the purpose, consent or objection events, assessments) does not
    /// match the audit ledger: it was inserted, changed or deleted outside Obscura. Run <c>obscura ledger verify</c>.
    /// </summary>
    RecordNotCommitted,
}
