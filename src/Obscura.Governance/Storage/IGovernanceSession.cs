using Obscura.Governance.Assessments;
using Obscura.Governance.Consent;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Governance.Storage;

/// <summary>Governance records within one store transaction. Histories (consent, objection, assessments) are append-only.</summary>
public interface IGovernanceSession : ILedgerSession
{
    /// <summary>The subject, or <see langword="null"/>.</summary>
    Task<SubjectRecord?> GetSubjectAsync(SubjectId id, CancellationToken cancellationToken);

    /// <summary>Subjects in id order after <paramref name="afterId"/>.</summary>
    Task<IReadOnlyList<SubjectRecord>> ListSubjectsAsync(SubjectId? afterId, int maxCount, CancellationToken cancellationToken);

    /// <summary>Inserts a new subject.</summary>
    Task InsertSubjectAsync(SubjectRecord subject, CancellationToken cancellationToken);

    /// <summary>The purpose, or <see langword="null"/>.</summary>
    Task<Purpose?> GetPurposeAsync(PurposeId id, CancellationToken cancellationToken);

    /// <summary>All purposes in id order.</summary>
    Task<IReadOnlyList<Purpose>> ListPurposesAsync(CancellationToken cancellationToken);

    /// <summary>Inserts a new purpose.</summary>
    Task InsertPurposeAsync(Purpose purpose, CancellationToken cancellationToken);

    /// <summary>Appends a consent event.</summary>
    Task InsertConsentEventAsync(ConsentEvent consentEvent, CancellationToken cancellationToken);

    /// <summary>A subject's consent history, for one purpose or all.</summary>
    Task<IReadOnlyList<ConsentEvent>> GetConsentEventsAsync(SubjectId subject, PurposeId? purpose, CancellationToken cancellationToken);

    /// <summary>Appends an objection event.</summary>
    Task InsertObjectionEventAsync(ObjectionEvent objectionEvent, CancellationToken cancellationToken);

    /// <summary>A subject's objection history, for one purpose or all.</summary>
    Task<IReadOnlyList<ObjectionEvent>> GetObjectionEventsAsync(SubjectId subject, PurposeId? purpose, CancellationToken cancellationToken);

    /// <summary>Appends a compatibility assessment.</summary>
    Task InsertAssessmentAsync(CompatibilityAssessment assessment, CancellationToken cancellationToken);

    /// <summary>Assessments in the order recorded, optionally filtered by either purpose.</summary>
    Task<IReadOnlyList<CompatibilityAssessment>> GetAssessmentsAsync(PurposeId? fromPurpose, PurposeId? toPurpose, CancellationToken cancellationToken);

    /// <summary>The budget of a dataset for a purpose, if set.</summary>
    Task<Budgets.PrivacyBudget?> GetPrivacyBudgetAsync(string dataset, PurposeId purpose, CancellationToken cancellationToken);

    /// <summary>Stores a new budget; false if one exists for that dataset and purpose.</summary>
    Task<bool> InsertPrivacyBudgetAsync(Budgets.PrivacyBudget budget, CancellationToken cancellationToken);

    /// <summary>Every charge against a budget, oldest first.</summary>
    Task<IReadOnlyList<Budgets.PrivacyCharge>> GetPrivacyChargesAsync(string dataset, PurposeId purpose, CancellationToken cancellationToken);

    /// <summary>Appends a charge.</summary>
    Task InsertPrivacyChargeAsync(Budgets.PrivacyCharge charge, CancellationToken cancellationToken);
}
