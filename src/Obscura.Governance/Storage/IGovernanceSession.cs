using Obscura.Governance.Access;
using Obscura.Governance.Assessments;
using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Governance.Storage;

/// <summary>
/// Governance records within one store transaction. Histories (consent, objection, assessments) are append-only.
/// Every write returns the <see cref="RecordCommitment"/> of the row as stored (its table, key and content hash), for
/// the caller to put in the ledger entry it appends in the same transaction.
/// </summary>
public interface IGovernanceSession : ILedgerSession
{
    /// <summary>The subject, or <see langword="null"/>.</summary>
    Task<SubjectRecord?> GetSubjectAsync(SubjectId id, CancellationToken cancellationToken);

    /// <summary>Subjects in id order after <paramref name="afterId"/>.</summary>
    Task<IReadOnlyList<SubjectRecord>> ListSubjectsAsync(SubjectId? afterId, int maxCount, CancellationToken cancellationToken);

    /// <summary>Inserts a new subject.</summary>
    Task<RecordCommitment> InsertSubjectAsync(SubjectRecord subject, CancellationToken cancellationToken);

    /// <summary>The purpose, or <see langword="null"/>.</summary>
    Task<Purpose?> GetPurposeAsync(PurposeId id, CancellationToken cancellationToken);

    /// <summary>All purposes in id order.</summary>
    Task<IReadOnlyList<Purpose>> ListPurposesAsync(CancellationToken cancellationToken);

    /// <summary>Inserts a new purpose.</summary>
    Task<RecordCommitment> InsertPurposeAsync(Purpose purpose, CancellationToken cancellationToken);

    /// <summary>Appends a consent event.</summary>
    Task<RecordCommitment> InsertConsentEventAsync(ConsentEvent consentEvent, CancellationToken cancellationToken);

    /// <summary>A subject's consent history, for one purpose or all.</summary>
    Task<IReadOnlyList<ConsentEvent>> GetConsentEventsAsync(SubjectId subject, PurposeId? purpose, CancellationToken cancellationToken);

    /// <summary>Appends an objection event.</summary>
    Task<RecordCommitment> InsertObjectionEventAsync(ObjectionEvent objectionEvent, CancellationToken cancellationToken);

    /// <summary>A subject's objection history, for one purpose or all.</summary>
    Task<IReadOnlyList<ObjectionEvent>> GetObjectionEventsAsync(SubjectId subject, PurposeId? purpose, CancellationToken cancellationToken);

    /// <summary>Appends a compatibility assessment.</summary>
    Task<RecordCommitment> InsertAssessmentAsync(CompatibilityAssessment assessment, CancellationToken cancellationToken);

    /// <summary>Assessments in the order recorded, optionally filtered by either purpose.</summary>
    Task<IReadOnlyList<CompatibilityAssessment>> GetAssessmentsAsync(PurposeId? fromPurpose, PurposeId? toPurpose, CancellationToken cancellationToken);

    /// <summary>Appends an accountability document of a purpose.</summary>
    Task<RecordCommitment> InsertDocumentAsync(StoredDocument document, CancellationToken cancellationToken);

    /// <summary>
    /// Documents of <paramref name="purpose"/> of <paramref name="kind"/> in the order recorded, after the document
    /// <paramref name="afterId"/> (from the first when null), at most <paramref name="maxCount"/>.
    /// </summary>
    Task<IReadOnlyList<StoredDocument>> GetDocumentsAsync(PurposeId purpose, string kind, string? afterId, int maxCount, CancellationToken cancellationToken);

    /// <summary>The latest document of <paramref name="kind"/> for <paramref name="purpose"/>, or <see langword="null"/>.</summary>
    Task<StoredDocument?> GetLatestDocumentAsync(PurposeId purpose, string kind, CancellationToken cancellationToken);

    /// <summary>How many documents of <paramref name="kind"/> <paramref name="purpose"/> has.</summary>
    Task<long> CountDocumentsAsync(PurposeId purpose, string kind, CancellationToken cancellationToken);

    /// <summary>The budget of a dataset for a purpose, if set.</summary>
    Task<Budgets.PrivacyBudget?> GetPrivacyBudgetAsync(string dataset, PurposeId purpose, CancellationToken cancellationToken);

    /// <summary>Every budget, ordered by dataset then purpose.</summary>
    Task<IReadOnlyList<Budgets.PrivacyBudget>> ListPrivacyBudgetsAsync(CancellationToken cancellationToken);

    /// <summary>Stores a new budget; <see langword="null"/> if one exists for that dataset and purpose.</summary>
    Task<RecordCommitment?> InsertPrivacyBudgetAsync(Budgets.PrivacyBudget budget, CancellationToken cancellationToken);

    /// <summary>Every charge against a budget, oldest first.</summary>
    Task<IReadOnlyList<Budgets.PrivacyCharge>> GetPrivacyChargesAsync(string dataset, PurposeId purpose, CancellationToken cancellationToken);

    /// <summary>Appends a charge.</summary>
    Task<RecordCommitment> InsertPrivacyChargeAsync(Budgets.PrivacyCharge charge, CancellationToken cancellationToken);

    /// <summary>Inserts an API key; <see langword="null"/> when the name is taken.</summary>
    Task<RecordCommitment?> InsertApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken);

    /// <summary>The key with this lookup id, or <see langword="null"/>.</summary>
    Task<ApiKeyRecord?> FindApiKeyAsync(string id, CancellationToken cancellationToken);

    /// <summary>The key with this name, or <see langword="null"/>.</summary>
    Task<ApiKeyRecord?> FindApiKeyByNameAsync(string name, CancellationToken cancellationToken);

    /// <summary>All keys, revoked ones included, by name.</summary>
    Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(CancellationToken cancellationToken);

    /// <summary>Marks the named live key revoked; <see langword="null"/> when no live key has that name.</summary>
    Task<RecordCommitment?> RevokeApiKeyAsync(string name, DateTimeOffset at, CancellationToken cancellationToken);
}
