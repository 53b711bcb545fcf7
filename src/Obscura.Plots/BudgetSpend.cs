namespace Obscura.Plots;

/// <summary>The composed ε of a privacy budget just after one release was charged.</summary>
/// <param name="At">When the release was charged.</param>
/// <param name="EpsilonSpent">ε spent by all releases up to and including this one, at the budget's δ; at least 0.</param>
public readonly record struct BudgetSpend(DateTimeOffset At, double EpsilonSpent);
