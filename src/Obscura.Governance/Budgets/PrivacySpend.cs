using Obscura.Privacy.Accounting;

namespace Obscura.Governance.Budgets;

/// <summary>A budget's composed ε just after one release was charged.</summary>
/// <param name="ChargedAt">When the release was charged (the ledger's clock).</param>
/// <param name="Query">What was released.</param>
/// <param name="EpsilonSpent">ε spent by this and every earlier release, at the budget's δ (pure sum when δ = 0).</param>
/// <param name="Method">The accountant that produced <paramref name="EpsilonSpent"/>.</param>
public sealed record PrivacySpend(DateTimeOffset ChargedAt, string Query, double EpsilonSpent, AccountingMethod Method = AccountingMethod.Rdp);
