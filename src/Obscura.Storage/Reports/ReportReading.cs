namespace Obscura.Storage.Reports;

/// <summary>A stored report as read and checked by <see cref="RegisteredReports.ReadAsync"/>.</summary>
/// <param name="Name">The report's name.</param>
/// <param name="Status">What the check found.</param>
/// <param name="Content">The file's bytes, only when <paramref name="Status"/> is <see cref="ReportStatus.Verified"/>.</param>
/// <param name="LedgerSequence">The ledger entry that registers it, when there is one.</param>
/// <param name="Explanation">What was found, in words a DPO can act on; names no file path.</param>
public sealed record ReportReading(string Name, ReportStatus Status, byte[]? Content, long? LedgerSequence, string Explanation)
{
    /// <summary>Whether the report may be shown: its bytes are the ones the ledger registered.</summary>
    public bool IsVerified => Status == ReportStatus.Verified;
}
