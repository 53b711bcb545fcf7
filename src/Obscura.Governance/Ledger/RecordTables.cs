namespace Obscura.Governance.Ledger;

/// <summary>
/// The stored records that decisions rest on, each committed to the audit ledger by a <see cref="RecordCommitment"/>
/// in the same transaction that writes it. Names are part of the ledger's hashed content and must never change.
/// </summary>
public static class RecordTables
{
    /// <summary>Registered subjects; key: the subject id.</summary>
    public const string Subjects = "subjects";

    /// <summary>Registered purposes; key: the purpose id.</summary>
    public const string Purposes = "purposes";

    /// <summary>Consent given and withdrawn; key: the event id.</summary>
    public const string ConsentEvents = "consent_events";

    /// <summary>Objections made and lifted; key: the event id.</summary>
    public const string ObjectionEvents = "objection_events";

    /// <summary>Art. 6(4) compatibility assessments; key: the assessment id.</summary>
    public const string Assessments = "assessments";

    /// <summary>
    /// Accountability documents of a purpose (legitimate-interests assessment, DPIA, prior consultation, processor
    /// review) and the objections of anonymous visitors; key: the document id.
    /// </summary>
    public const string PurposeDocuments = "purpose_documents";

    /// <summary>API keys, committed at creation and again at revocation; key: the key's lookup id.</summary>
    public const string ApiKeys = "api_keys";

    /// <summary>Differential-privacy budgets; key: <c>dataset:purpose</c>.</summary>
    public const string PrivacyBudgets = "privacy_budgets";

    /// <summary>Charges against privacy budgets; key: the charge's sequence number.</summary>
    public const string PrivacyCharges = "privacy_charges";

    /// <summary>The access log of reads; committed in batches, key <c>first-last</c> (sequence numbers).</summary>
    public const string AccessLog = "access_log";

    /// <summary>Every table whose rows are committed one by one (all but <see cref="AccessLog"/>).</summary>
    public static IReadOnlyList<string> RowByRow { get; } = [Subjects, Purposes, ConsentEvents, ObjectionEvents, Assessments, PurposeDocuments, ApiKeys, PrivacyBudgets, PrivacyCharges];
}
