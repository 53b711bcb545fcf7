namespace Obscura.Governance.Ledger;

/// <summary>The result of recomputing the whole ledger from its stored entries.</summary>
/// <param name="EntryCount">Entries read.</param>
/// <param name="SignedHeadCount">Signed tree heads checked.</param>
/// <param name="LatestHead">The latest signed head, if any.</param>
/// <param name="Problems">Everything found wrong; empty when the ledger is intact.</param>
public sealed record LedgerVerificationReport(long EntryCount, long SignedHeadCount, SignedTreeHead? LatestHead, IReadOnlyList<LedgerProblem> Problems)
{
    /// <summary>Whether the ledger verified with no problem.</summary>
    public bool Intact => Problems.Count == 0;
}
