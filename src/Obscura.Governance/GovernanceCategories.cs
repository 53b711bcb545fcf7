using Obscura.Governance.Purposes;

namespace Obscura.Governance;

/// <summary>The data categories and locations the governance core itself writes to the audit ledger.</summary>
public static class GovernanceCategories
{
    /// <summary>The registration of a pseudonymous subject.</summary>
    public static DataCategory SubjectRecord { get; } = DataCategory.Parse("subject-record");

    /// <summary>A consent given or withdrawn.</summary>
    public static DataCategory ConsentRecord { get; } = DataCategory.Parse("consent-record");

    /// <summary>An Art. 21 objection made or lifted.</summary>
    public static DataCategory ObjectionRecord { get; } = DataCategory.Parse("objection-record");

    /// <summary>A registered processing purpose.</summary>
    public static DataCategory PurposeRecord { get; } = DataCategory.Parse("purpose-record");

    /// <summary>An Art. 6(4) compatibility assessment.</summary>
    public static DataCategory AssessmentRecord { get; } = DataCategory.Parse("assessment-record");

    /// <summary>Ledger entries about one subject, when an auditor or the subject reads them.</summary>
    public static DataCategory AuditRecord { get; } = DataCategory.Parse("audit-record");

    internal const string SubjectsTable = "db:subjects";
    internal const string ConsentTable = "db:consent-events";
    internal const string ObjectionTable = "db:objection-events";
    internal const string PurposesTable = "db:purposes";
    internal const string AssessmentsTable = "db:assessments";
    internal const string DocumentsTable = "db:purpose-documents";
    internal const string AccessLogTable = "db:access-log";
    internal const string LedgerTable = "db:ledger";
}
