using System.Globalization;
using System.Text.RegularExpressions;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Storage;
using Obscura.Governance.Telemetry;
using Obscura.Privacy.Accounting;

namespace Obscura.Governance.Budgets;

/// <summary>
/// The differential-privacy budget ledger: per dataset and purpose, a fixed (ε, δ) budget, and every release charged
/// against it before its answer is computed. A charge that would take the composed cost over the budget is refused.
/// The composition is <see cref="PrivacyAccountant"/>'s (pure sums when δ = 0; zCDP and Rényi conversions otherwise,
/// tightened by the privacy-loss-distribution accountant when DP-SGD is charged); each charge's audit entry names the
/// accountant that produced the ε it brought the budget to (<c>dp-release:rdp</c>, <c>dp-release:pld</c>,
/// <c>dp-release:pure-sum</c>).
/// Budgets and charges are stored by the governance store, append-only, and each is committed to the audit ledger
/// (with the hash of its row) in the same transaction, so a charge cannot exist without its ledger entry or the other
/// way round, and a budget changed outside Obscura is refused.
/// </summary>
public sealed partial class PrivacyBudgetLedger(IGovernanceStore store, AuditLedger ledger, TimeProvider clock)
{
    private static readonly DataCategory BudgetCategory = DataCategory.Parse("privacy-budget");

    /// <summary>Sets the budget of a dataset for a purpose (once).</summary>
    public Task<Outcome<PrivacyBudget>> SetAsync(Actor actor, string dataset, PurposeId purpose, double epsilon, double delta, CancellationToken cancellationToken)
    {
        if (!DatasetPattern().IsMatch(dataset ?? ""))
        {
            return Task.FromResult<Outcome<PrivacyBudget>>(new GovernanceError(GovernanceErrorKind.Invalid, "A dataset name is 1-64 characters of a-z, 0-9, '.', '_' and '-'.", "dataset"));
        }

        if (!(epsilon > 0 && epsilon <= 100) || !(delta >= 0 && delta < 1))
        {
            return Task.FromResult<Outcome<PrivacyBudget>>(new GovernanceError(GovernanceErrorKind.Invalid, "The budget has 0 < ε ≤ 100 and 0 ≤ δ < 1.", "epsilon"));
        }

        return store.WriteAsync<Outcome<PrivacyBudget>>(async (s, ct) =>
        {
            if (await s.GetPurposeAsync(purpose, ct).ConfigureAwait(false) is null)
            {
                return new GovernanceError(GovernanceErrorKind.NotFound, $"Purpose '{purpose}' is not registered.", "purpose");
            }

            // A budget is set once: one the ledger committed but the store lacks was deleted outside Obscura, and
            // setting it again would replace it.
            if (await s.GetPrivacyBudgetAsync(dataset!, purpose, ct).ConfigureAwait(false) is null
                && (await s.GetLatestCommitmentsAsync(RecordTables.PrivacyBudgets, [BudgetKey(dataset!, purpose)], ct).ConfigureAwait(false)).Count > 0)
            {
                return NotCommitted(dataset!, purpose);
            }

            var budget = new PrivacyBudget(dataset!, purpose, epsilon, delta, clock.GetUtcNow());
            if (await s.InsertPrivacyBudgetAsync(budget, ct).ConfigureAwait(false) is not { } commitment)
            {
                return new GovernanceError(GovernanceErrorKind.Conflict, $"Dataset '{dataset}' already has a budget for '{purpose}'; budgets are fixed once set.", "dataset");
            }

            await ledger.AppendAsync(s, [new AuditEvent(actor.Value, AuditAction.Create, BudgetCategory, null, purpose, to: BudgetLocation(dataset!), reference: string.Create(CultureInfo.InvariantCulture, $"eps:{epsilon}:delta:{delta}"), commitment: commitment)], ct).ConfigureAwait(false);
            return budget;
        }, cancellationToken);
    }

    /// <summary>Charges one release; refused (with what it would have spent) when it does not fit the budget.</summary>
    public async Task<Outcome<PrivacyBudgetStatus>> ChargeAsync(Actor actor, string dataset, PurposeId purpose, PrivacyCost cost, string query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cost);
        ArgumentNullException.ThrowIfNull(query);
        var charged = 0.0;
        var outcome = await store.WriteAsync<Outcome<PrivacyBudgetStatus>>(async (s, ct) =>
        {
            if (await s.GetPrivacyBudgetAsync(dataset, purpose, ct).ConfigureAwait(false) is not { } budget)
            {
                return new GovernanceError(GovernanceErrorKind.NotFound, $"Dataset '{dataset}' has no privacy budget for '{purpose}': set one first.", "dataset");
            }

            var charges = await s.GetPrivacyChargesAsync(dataset, purpose, ct).ConfigureAwait(false);
            if (!await CommittedAsync(s, dataset, purpose, charges, ct).ConfigureAwait(false))
            {
                return NotCommitted(dataset, purpose);
            }

            // The ε before this charge is only for the metric: composing the stored charges again (a PLD accountant for
            // DP-SGD charges) is skipped unless someone listens to it.
            var before = charges.Count == 0 || !GovernanceInstruments.EpsilonCharged.Enabled ? 0 : Spent(Accountant(charges), budget.Delta).Epsilon;
            var accountant = Accountant(charges);
            accountant.Add(cost);
            var accounted = Spent(accountant, budget.Delta);
            var spent = accounted.Epsilon;
            charged = spent - before;
            if (!(spent <= budget.Epsilon * (1 + 1e-12))) // NaN (an undefined bound) is refused too
            {
                return new GovernanceError(
                    GovernanceErrorKind.Refused,
                    string.Create(CultureInfo.InvariantCulture, $"The privacy budget of '{dataset}' for '{purpose}' is spent: this release would bring it to ε = {spent:G6} of {budget.Epsilon:G6} (δ = {budget.Delta:G3})."),
                    "budget");
            }

            var (concentrated, value, mechanism) = StoredPrivacyCost.Parts(cost);
            var charge = await s.InsertPrivacyChargeAsync(new PrivacyCharge(dataset, purpose, concentrated, value.Numerator, value.Denominator, query, clock.GetUtcNow(), mechanism), ct).ConfigureAwait(false);
            await ledger.AppendAsync(s, [new AuditEvent(actor.Value, AuditAction.Read, BudgetCategory, null, purpose, from: BudgetLocation(dataset), to: "dp-release:" + accounted.MethodToken, reference: StoredPrivacyCost.Reference(cost), commitment: charge)], ct).ConfigureAwait(false);
            return new PrivacyBudgetStatus(budget, charges.Count + 1, spent, Math.Max(0, budget.Epsilon - spent), accounted);
        }, cancellationToken).ConfigureAwait(false);

        // Counted once the charge and its ledger entry are committed; the tags are controller-defined names.
        if (outcome.Succeeded && GovernanceInstruments.EpsilonCharged.Enabled)
        {
            GovernanceInstruments.EpsilonCharged.Add(charged, new(GovernanceInstruments.PurposeTag, purpose.Value), new(GovernanceInstruments.DatasetTag, dataset));
        }

        return outcome;
    }

    /// <summary>
    /// Records a release that is deliberately charged to no budget, before it is computed: an audit-ledger entry with
    /// the actor, the reason (a short token such as <c>synthetic-test-data</c> or <c>ticket:PRIV-12</c>, never free
    /// text), the query and its cost. Refused when the reason is not such a token; the release must not happen when
    /// this fails.
    /// </summary>
    public Task<Outcome<PrivacyCost>> RecordUnchargedAsync(Actor actor, PrivacyCost cost, string query, string reason, PurposeId? purpose, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cost);
        if (!ReasonPattern().IsMatch(reason ?? ""))
        {
            return Task.FromResult<Outcome<PrivacyCost>>(new GovernanceError(GovernanceErrorKind.Invalid, "The reason for an uncharged release is 1-64 characters of letters, digits, '.', '_', ':', '/', '@' and '-' (a ticket or a short label, not free text).", "reason"));
        }

        if (!DatasetPattern().IsMatch(query ?? ""))
        {
            return Task.FromResult<Outcome<PrivacyCost>>(new GovernanceError(GovernanceErrorKind.Invalid, "The query is a short lower-case token such as 'count'.", "query"));
        }

        var reference = StoredPrivacyCost.Reference(cost);
        return store.WriteAsync<Outcome<PrivacyCost>>(async (s, ct) =>
        {
            await ledger.AppendAsync(s, [new AuditEvent(actor.Value, AuditAction.Read, BudgetCategory, null, purpose, from: "uncharged:" + reason, to: "dp-release:" + query, reference: reference)], ct).ConfigureAwait(false);
            return cost;
        }, cancellationToken);
    }

    /// <summary>Where a budget stands.</summary>
    public Task<Outcome<PrivacyBudgetStatus>> GetStatusAsync(string dataset, PurposeId purpose, CancellationToken cancellationToken) =>
        store.ReadAsync<Outcome<PrivacyBudgetStatus>>(async (s, ct) =>
        {
            var (budget, charges, error) = await ReadCommittedAsync(s, dataset, purpose, ct).ConfigureAwait(false);
            if (error is not null)
            {
                return error;
            }

            return StatusOf(budget!, charges);
        }, cancellationToken);

    /// <summary>
    /// How a budget was spent over time: after each charged release, in the order they were charged, the composed ε at
    /// the budget's δ (what <see cref="GetStatusAsync"/> reported just after that release). Refused, as the status is,
    /// when the budget or its charges do not match the audit ledger.
    /// </summary>
    public Task<Outcome<PrivacyBudgetHistory>> GetHistoryAsync(string dataset, PurposeId purpose, CancellationToken cancellationToken) =>
        store.ReadAsync<Outcome<PrivacyBudgetHistory>>(async (s, ct) =>
        {
            var (budget, charges, error) = await ReadCommittedAsync(s, dataset, purpose, ct).ConfigureAwait(false);
            if (error is not null)
            {
                return error;
            }

            var accountant = new PrivacyAccountant();
            var spend = new List<PrivacySpend>(charges.Count);
            foreach (var charge in charges)
            {
                accountant.Add(StoredPrivacyCost.Read(charge));
                var accounted = Spent(accountant, budget!.Delta);
                spend.Add(new PrivacySpend(charge.ChargedAt, charge.Query, accounted.Epsilon, accounted.Method));
            }

            return new PrivacyBudgetHistory(budget!, spend);
        }, cancellationToken);

    /// <summary>A budget and its charges, or why they cannot be used: no such budget, or rows the ledger did not commit.</summary>
    private async Task<(PrivacyBudget? Budget, IReadOnlyList<PrivacyCharge> Charges, GovernanceError? Error)> ReadCommittedAsync(IGovernanceSession s, string dataset, PurposeId purpose, CancellationToken ct)
    {
        if (await s.GetPrivacyBudgetAsync(dataset, purpose, ct).ConfigureAwait(false) is not { } budget)
        {
            return (null, [], new GovernanceError(GovernanceErrorKind.NotFound, $"Dataset '{dataset}' has no privacy budget for '{purpose}'.", "dataset"));
        }

        var charges = await s.GetPrivacyChargesAsync(dataset, purpose, ct).ConfigureAwait(false);
        return await CommittedAsync(s, dataset, purpose, charges, ct).ConfigureAwait(false)
            ? (budget, charges, null)
            : (null, [], NotCommitted(dataset, purpose));
    }

    /// <summary>
    /// Whether the budget and the charges read against it are exactly what the ledger committed: a charge deleted or
    /// lowered outside Obscura would otherwise refill the budget.
    /// </summary>
    private async Task<bool> CommittedAsync(IGovernanceSession s, string dataset, PurposeId purpose, IReadOnlyList<PrivacyCharge> charges, CancellationToken ct) =>
        await RecordCheck.AllCommittedAsync(s, ledger, RecordTables.PrivacyBudgets, [BudgetKey(dataset, purpose)], ct).ConfigureAwait(false)
        && await RecordCheck.ExactlyCommittedAsync(s, ledger, RecordTables.PrivacyCharges, null, purpose, charges.Count, e => e.From == BudgetLocation(dataset), ct).ConfigureAwait(false);

    private static GovernanceError NotCommitted(string dataset, PurposeId purpose) =>
        new(GovernanceErrorKind.Refused, $"The privacy budget of '{dataset}' for '{purpose}' or its charges do not match the audit ledger: they were written outside Obscura. Run 'obscura ledger verify'.", "budget");

    /// <summary>The key of a budget's row in <see cref="RecordTables.PrivacyBudgets"/>.</summary>
    private static string BudgetKey(string dataset, PurposeId purpose) => dataset + ":" + purpose.Value;

    /// <summary>Where a budget's entries say the budget lives; charges name it as their <c>from</c>.</summary>
    private static string BudgetLocation(string dataset) => "budget:" + dataset;

    private static PrivacyAccountant Accountant(IEnumerable<PrivacyCharge> charges)
    {
        var accountant = new PrivacyAccountant();
        foreach (var c in charges)
        {
            accountant.Add(StoredPrivacyCost.Read(c));
        }

        return accountant;
    }

    /// <summary>
    /// The composed ε and the accountant that produced it: the pure sum when δ = 0 (a zCDP or DP-SGD release cannot fit
    /// a δ = 0 budget), else the tighter of the Rényi conversion and, when DP-SGD is among the releases, the
    /// privacy-loss-distribution accountant (<see cref="PrivacyAccountant.TightestEpsilonFor"/>). It is recomputed from
    /// the stored charges, so the same charges always give the same ε and accountant.
    /// </summary>
    private static AccountedEpsilon Spent(PrivacyAccountant accountant, double delta)
    {
        if (delta == 0)
        {
            var pure = accountant.PureEpsilon ?? double.PositiveInfinity;
            return new AccountedEpsilon(pure, AccountingMethod.PureSum, pure, null);
        }

        return accountant.TightestEpsilonFor(delta);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex DatasetPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,63}$")]
    private static partial Regex ReasonPattern();
}
