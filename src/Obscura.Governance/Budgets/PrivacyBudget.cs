using Obscura.Governance.Purposes;
using Obscura.Privacy.Accounting;

namespace Obscura.Governance.Budgets;

/// <summary>
/// The differential-privacy budget of a dataset for a purpose: the total (ε, δ) all releases from it together may
/// spend. Fixed once set: a larger budget needs a new dataset name and its own justification.
/// </summary>
/// <param name="Dataset">The dataset's name (a token).</param>
/// <param name="Purpose">The purpose the releases serve.</param>
/// <param name="Epsilon">Total ε.</param>
/// <param name="Delta">Total δ; 0 allows only pure-DP releases.</param>
/// <param name="CreatedAt">When it was set.</param>
public sealed record PrivacyBudget(string Dataset, PurposeId Purpose, double Epsilon, double Delta, DateTimeOffset CreatedAt);

/// <summary>One release charged against a budget: its exact cost and what it was.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Purpose">The purpose.</param>
/// <param name="Concentrated">True for a ρ-zCDP cost, false for pure ε-DP.</param>
/// <param name="Numerator">The cost's numerator (ε or ρ as a fraction).</param>
/// <param name="Denominator">The cost's denominator.</param>
/// <param name="Query">What was released (for example "count", "mean of minutes").</param>
/// <param name="ChargedAt">When.</param>
/// <param name="Mechanism">
/// For a cost that is not a rational ε or ρ (T steps of the Poisson-subsampled Gaussian), its canonical description,
/// such as <c>sgm:q_0.01:sigma_1.1:steps_10000</c> (exact, round-trip doubles); the rational fields are then 0/1 and
/// unused. <see langword="null"/> for pure and zCDP charges.
/// </param>
public sealed record PrivacyCharge(string Dataset, PurposeId Purpose, bool Concentrated, ulong Numerator, ulong Denominator, string Query, DateTimeOffset ChargedAt, string? Mechanism = null);

/// <summary>Where a budget stands: what was spent, by the accountant's composition, and what is left.</summary>
/// <param name="Budget">The budget.</param>
/// <param name="Releases">Releases charged.</param>
/// <param name="EpsilonSpent">The composed ε at the budget's δ (pure sum when δ = 0).</param>
/// <param name="EpsilonLeft">Budget ε minus spent, at least 0.</param>
/// <param name="Accounting">
/// How <paramref name="EpsilonSpent"/> was accounted: the accountant that produced it and what each accountant gave;
/// null when nothing was charged.
/// </param>
public sealed record PrivacyBudgetStatus(PrivacyBudget Budget, int Releases, double EpsilonSpent, double EpsilonLeft, AccountedEpsilon? Accounting = null);

/// <summary>One budget in <see cref="PrivacyBudgetLedger.ListAsync"/>: its status, or why it cannot be used.</summary>
/// <param name="Budget">The budget as stored.</param>
/// <param name="Status">Where it stands; <see langword="null"/> when its rows do not match the audit ledger.</param>
/// <param name="Problem">Why it cannot be used (<see langword="null"/> when <paramref name="Status"/> is set).</param>
public sealed record PrivacyBudgetListing(PrivacyBudget Budget, PrivacyBudgetStatus? Status, string? Problem);
