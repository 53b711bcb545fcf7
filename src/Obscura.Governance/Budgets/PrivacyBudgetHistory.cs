namespace Obscura.Governance.Budgets;

/// <summary>A budget and how it was spent, release by release (<see cref="PrivacyBudgetLedger.GetHistoryAsync"/>).</summary>
/// <param name="Budget">The budget.</param>
/// <param name="Spend">The composed ε after each charged release, in charge order.</param>
public sealed record PrivacyBudgetHistory(PrivacyBudget Budget, IReadOnlyList<PrivacySpend> Spend);
