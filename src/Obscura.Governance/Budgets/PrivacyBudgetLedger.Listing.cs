using Obscura.Governance.Storage;
using Obscura.Privacy.Accounting;

namespace Obscura.Governance.Budgets;

public sealed partial class PrivacyBudgetLedger
{
    /// <summary>
    /// Every budget with where it stands, ordered by dataset then purpose (ordinal), read in one snapshot. A budget whose
    /// rows do not match the audit ledger is listed with its error instead of a status, as <see cref="GetStatusAsync"/>
    /// refuses it: one tampered budget does not hide the others.
    /// </summary>
    public Task<IReadOnlyList<PrivacyBudgetListing>> ListAsync(CancellationToken cancellationToken) =>
        store.ReadAsync<IReadOnlyList<PrivacyBudgetListing>>(async (s, ct) =>
        {
            var budgets = (await s.ListPrivacyBudgetsAsync(ct).ConfigureAwait(false))
                .OrderBy(b => b.Dataset, StringComparer.Ordinal)
                .ThenBy(b => b.Purpose.Value, StringComparer.Ordinal);
            var listed = new List<PrivacyBudgetListing>();
            foreach (var budget in budgets)
            {
                listed.Add(await StatusOfAsync(s, budget, ct).ConfigureAwait(false));
            }

            return listed;
        }, cancellationToken);

    private async Task<PrivacyBudgetListing> StatusOfAsync(IGovernanceSession s, PrivacyBudget budget, CancellationToken ct)
    {
        var (committed, charges, error) = await ReadCommittedAsync(s, budget.Dataset, budget.Purpose, ct).ConfigureAwait(false);
        if (error is not null)
        {
            return new PrivacyBudgetListing(budget, null, error.Message);
        }

        return new PrivacyBudgetListing(budget, StatusOf(committed!, charges), null);
    }

    /// <summary>Where a verified budget stands after <paramref name="charges"/>.</summary>
    private static PrivacyBudgetStatus StatusOf(PrivacyBudget budget, IReadOnlyList<PrivacyCharge> charges)
    {
        AccountedEpsilon? accounted = charges.Count == 0 ? null : Spent(Accountant(charges), budget.Delta);
        var spent = accounted?.Epsilon ?? 0;
        return new PrivacyBudgetStatus(budget, charges.Count, spent, Math.Max(0, budget.Epsilon - spent), accounted);
    }
}
