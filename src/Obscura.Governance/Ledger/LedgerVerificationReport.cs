namespace Obscura.Governance.Ledger;

/// <summary>The result of recomputing the whole ledger from its stored entries and checking the stored records against it.</summary>
/// <param name="EntryCount">Entries read.</param>
/// <param name="SignedHeadCount">Signed tree heads checked.</param>
/// <param name="LatestHead">The latest signed head, if any.</param>
/// <param name="Problems">Everything found wrong; empty when the ledger is intact.</param>
/// <param name="RecordsChecked">Rows of committed tables checked against the ledger.</param>
/// <param name="PendingAccessRecords">Access-log rows not yet committed by a batch: not a problem, but not yet tamper-evident.</param>
public sealed record LedgerVerificationReport(long EntryCount, long SignedHeadCount, SignedTreeHead? LatestHead, IReadOnlyList<LedgerProblem> Problems, long RecordsChecked = 0, long PendingAccessRecords = 0)
{
    /// <summary>Whether the ledger verified with no problem.</summary>
    public bool Intact => Problems.Count == 0;
}
