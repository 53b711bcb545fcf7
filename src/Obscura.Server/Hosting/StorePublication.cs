using Obscura.Governance;
using Obscura.Governance.Accountability;
using Obscura.Governance.Purposes;
using Obscura.Privacy.Accounting;
using Obscura.StoreAnalytics.Analytics;

namespace Obscura.Server.Hosting;

/// <summary>
/// The visitor report the server publishes for a purpose (the API's <c>GET /v1/store/report</c> and the console's store
/// page): the purpose's registration and documents read in one transaction and checked against the ledger, the
/// publication gate, then <see cref="VisitorStatistics"/> over the server's inbox.
/// </summary>
internal sealed class StorePublication(StoreInbox inbox, AccountabilityService accountability)
{
    /// <summary>
    /// The report, a governance error (unknown purpose), or a null report when <paramref name="charge"/> declined.
    /// </summary>
    /// <exception cref="PublicationRefusedException">The purpose's governance is incomplete.</exception>
    public async Task<Outcome<VisitorReport?>> ReportAsync(PurposeId purpose, ReportOptions options, Func<PrivacyCost, CancellationToken, Task<bool>>? charge, CancellationToken cancellationToken)
    {
        var governed = await accountability.GetGovernedAsync(purpose, cancellationToken).ConfigureAwait(false);
        if (!governed.Succeeded)
        {
            return governed.Error;
        }

        PublicationGate.Ensure(governed.Value.Purpose, governed.Value.Accountability, Publication.Report);
        return Outcome<VisitorReport?>.Success(await VisitorStatistics.BuildAsync(inbox.Batches.Read(), options, charge, cancellationToken: cancellationToken).ConfigureAwait(false));
    }
}
