using Obscura.Governance.Budgets;

namespace Obscura.Server.Console.Pages;

/// <summary>Every differential-privacy budget with its spend, for controllers and auditors (budgets hold no personal data).</summary>
internal sealed class BudgetsModel(PrivacyBudgetLedger budgets) : ConsolePageModel
{
    public IReadOnlyList<PrivacyBudgetListing> Budgets { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => Budgets = await budgets.ListAsync(cancellationToken);

    /// <summary>The share of the budget spent, 0 to 100, for the meter.</summary>
    public static double Percent(PrivacyBudgetStatus status) =>
        Math.Clamp(100 * status.EpsilonSpent / status.Budget.Epsilon, 0, 100);
}
