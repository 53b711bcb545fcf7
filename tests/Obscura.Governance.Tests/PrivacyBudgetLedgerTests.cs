using Obscura.Governance.Budgets;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Privacy;
using Obscura.Privacy.Accounting;
using Obscura.Storage.Sqlite;
using Obscura.TestSupport;

namespace Obscura.Governance.Tests;

public sealed class PrivacyBudgetLedgerTests : IDisposable
{
    private readonly GovernanceFixture _f = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private PrivacyBudgetLedger Ledger => new(_f.Store, _f.Ledger, _f.Clock);

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task Releases_are_charged_until_the_budget_is_spent_and_then_refused()
    {
        await _f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.StoreAnalytics, Ct);
        var purpose = SamplePurposes.StoreAnalytics.Id;
        Assert.True((await Ledger.SetAsync(GovernanceFixture.Admin, "visits-2026-11", purpose, 1.0, 0, Ct)).Succeeded);

        var half = new PrivacyCost.Pure(Rational.Of(1, 2));
        Assert.Equal(0.5, (await Ledger.ChargeAsync(GovernanceFixture.Admin, "visits-2026-11", purpose, half, "count", Ct)).Value!.EpsilonLeft, 1e-9);
        Assert.Equal(0, (await Ledger.ChargeAsync(GovernanceFixture.Admin, "visits-2026-11", purpose, half, "mean", Ct)).Value!.EpsilonLeft, 1e-9);
        var refused = await Ledger.ChargeAsync(GovernanceFixture.Admin, "visits-2026-11", purpose, new PrivacyCost.Pure(Rational.Of(1, 100)), "histogram", Ct);
        Assert.Equal(GovernanceErrorKind.Refused, refused.Error?.Kind);
        Assert.Contains("spent", refused.Error!.Message, StringComparison.Ordinal);
        // A zCDP release never fits a δ = 0 budget.
        Assert.Equal(GovernanceErrorKind.Refused, (await Ledger.ChargeAsync(GovernanceFixture.Admin, "visits-2026-11", purpose, new PrivacyCost.Zcdp(Rational.Of(1, 1000)), "sum", Ct)).Error?.Kind);

        var status = (await Ledger.GetStatusAsync("visits-2026-11", purpose, Ct)).Value!;
        Assert.Equal((2, 1.0), (status.Releases, Math.Round(status.EpsilonSpent, 9)));
    }

    [Fact]
    public async Task The_history_gives_the_spend_after_each_release_as_the_status_reported_it_at_the_time()
    {
        await _f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.StoreAnalytics, Ct);
        var purpose = SamplePurposes.StoreAnalytics.Id;
        Assert.True((await Ledger.SetAsync(GovernanceFixture.Admin, "visits", purpose, 3.0, 1e-6, Ct)).Succeeded);
        Assert.Empty((await Ledger.GetHistoryAsync("visits", purpose, Ct)).Value!.Spend);

        var reported = new List<(DateTimeOffset, double)>();
        PrivacyCost[] costs = [new PrivacyCost.Pure(Rational.Of(1, 4)), new PrivacyCost.Zcdp(Rational.Of(1, 100)), new PrivacyCost.Pure(Rational.Of(1, 2))];
        foreach (var cost in costs)
        {
            _f.Clock.Advance(TimeSpan.FromHours(1));
            reported.Add((_f.Clock.GetUtcNow(), (await Ledger.ChargeAsync(GovernanceFixture.Admin, "visits", purpose, cost, "count", Ct)).Value!.EpsilonSpent));
        }

        var history = (await Ledger.GetHistoryAsync("visits", purpose, Ct)).Value!;
        Assert.Equal(3.0, history.Budget.Epsilon);
        Assert.Equal(reported.Select(r => r.Item1), history.Spend.Select(s => s.ChargedAt));
        Assert.Equal(reported.Select(r => Math.Round(r.Item2, 12)), history.Spend.Select(s => Math.Round(s.EpsilonSpent, 12)));
        Assert.True(history.Spend[0].EpsilonSpent < history.Spend[1].EpsilonSpent && history.Spend[1].EpsilonSpent < history.Spend[2].EpsilonSpent);
        Assert.Equal((await Ledger.GetStatusAsync("visits", purpose, Ct)).Value!.EpsilonSpent, history.Spend[^1].EpsilonSpent);
        Assert.Equal(GovernanceErrorKind.NotFound, (await Ledger.GetHistoryAsync("elsewhere", purpose, Ct)).Error?.Kind);
    }

    [Fact]
    public async Task Concentrated_releases_compose_under_the_delta_of_the_budget_and_survive_a_restart()
    {
        await _f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.StoreAnalytics, Ct);
        var purpose = SamplePurposes.StoreAnalytics.Id;
        Assert.True((await Ledger.SetAsync(GovernanceFixture.Admin, "queues", purpose, 2.0, 1e-6, Ct)).Succeeded);
        Assert.Equal(GovernanceErrorKind.Conflict, (await Ledger.SetAsync(GovernanceFixture.Admin, "queues", purpose, 5.0, 1e-6, Ct)).Error?.Kind);

        // ρ = 0.01 each: k releases cost kρ + 2√(kρ ln 10^6) or less; well under the pure sum of their ε = √(2ρ) = 0.14 each.
        var charged = 0;
        while ((await Ledger.ChargeAsync(GovernanceFixture.Admin, "queues", purpose, new PrivacyCost.Zcdp(Rational.Of(1, 100)), "queue-length", Ct)).Succeeded)
        {
            charged++;
        }

        Assert.InRange(charged, 5, 30);

        // The same database, reopened: the charges are still there and still refuse the next one.
        using var reopened = SqliteGovernanceStore.Open(_f.DatabasePath);
        var again = new PrivacyBudgetLedger(reopened, _f.Ledger, _f.Clock);
        Assert.Equal(charged, (await again.GetStatusAsync("queues", purpose, Ct)).Value!.Releases);
        Assert.False((await again.ChargeAsync(GovernanceFixture.Admin, "queues", purpose, new PrivacyCost.Zcdp(Rational.Of(1, 100)), "queue-length", Ct)).Succeeded);

        // Each budget and charge is in the audit ledger, and the ledger verifies.
        var entries = (await _f.LedgerService.GetEntriesAsync(0, 1000, Ct)).Value!.Where(e => e.Event.DataCategory.ToString() == "privacy-budget").ToArray();
        Assert.Equal(1 + charged, entries.Length);
        Assert.Equal(AuditAction.Create, entries[0].Event.Action);
        Assert.True((await _f.LedgerService.VerifyAsync(null, null, Ct)).Intact);
    }

    [Fact]
    public async Task A_dp_sgd_charge_survives_a_restart_with_the_same_spent_epsilon_and_its_cost_in_the_audit_ledger()
    {
        await _f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.StoreAnalytics, Ct);
        var purpose = SamplePurposes.StoreAnalytics.Id;
        Assert.True((await Ledger.SetAsync(GovernanceFixture.Admin, "mnist-training", purpose, 2.0, 1e-5, Ct)).Succeeded);

        // TF Privacy's compute_dp_sgd_privacy example (n = 60000, batch 150, σ = 1.3, 15 epochs): ε = 0.7242 at δ = 1e-5
        // by RDP. The ledger charges the tighter PLD figure and says so.
        var training = new PrivacyCost.SubsampledGaussian(150.0 / 60000, 1.3, 6000);
        var charged = await Ledger.ChargeAsync(GovernanceFixture.Admin, "mnist-training", purpose, training, "dp-sgd", Ct);
        Assert.True(charged.Succeeded, charged.Error?.Message);
        var accounting = charged.Value!.Accounting!.Value;
        Assert.Equal(0.7242234026109595, accounting.RdpEpsilon, 1e-9);
        Assert.Equal(AccountingMethod.Pld, accounting.Method);
        Assert.Equal(PldAccountant.EpsilonFor(training, 1e-5), charged.Value.EpsilonSpent);
        Assert.True(charged.Value.EpsilonSpent < 0.7242234026109595 - 0.05);

        // Parameters that are not short decimals come back bit for bit too.
        var odd = new PrivacyCost.SubsampledGaussian(1.0 / 3000, 0.1 + 3.2, 1234);
        var second = await Ledger.ChargeAsync(GovernanceFixture.Admin, "mnist-training", purpose, odd, "dp-sgd-finetune", Ct);
        Assert.True(second.Succeeded, second.Error?.Message);
        var expected = new PrivacyAccountant();
        expected.Add(training);
        expected.Add(odd);
        Assert.Equal(expected.TightestEpsilonFor(1e-5), second.Value!.Accounting);
        Assert.Equal(expected.TightestEpsilonFor(1e-5).Epsilon, second.Value!.EpsilonSpent);

        using var reopened = SqliteGovernanceStore.Open(_f.DatabasePath);
        var again = new PrivacyBudgetLedger(reopened, _f.Ledger, _f.Clock);
        var status = (await again.GetStatusAsync("mnist-training", purpose, Ct)).Value!;
        Assert.Equal((2, second.Value.EpsilonSpent, AccountingMethod.Pld), (status.Releases, status.EpsilonSpent, status.Accounting!.Value.Method));

        // A run that would take the budget over is refused, and the budget is unchanged.
        var tooMuch = await again.ChargeAsync(GovernanceFixture.Admin, "mnist-training", purpose, new PrivacyCost.SubsampledGaussian(0.01, 0.8, 10000), "dp-sgd", Ct);
        Assert.Equal(GovernanceErrorKind.Refused, tooMuch.Error?.Kind);
        Assert.Contains("spent", tooMuch.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(status.EpsilonSpent, (await again.GetStatusAsync("mnist-training", purpose, Ct)).Value!.EpsilonSpent);

        var references = (await _f.LedgerService.GetEntriesAsync(0, 1000, Ct)).Value!
            .Where(e => e.Event.DataCategory.ToString() == "privacy-budget" && e.Event.To == "dp-release:pld")
            .Select(e => e.Event.Reference).ToArray();
        Assert.Equal(["sgm:q_0.0025:sigma_1.3:steps_6000", "sgm:q_0.0003333333333333333:sigma_3.3000000000000003:steps_1234"], references);
        Assert.True((await _f.LedgerService.VerifyAsync(null, null, Ct)).Intact);
    }

    [Fact]
    public async Task A_dp_sgd_charge_never_fits_a_delta_zero_budget()
    {
        await _f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.StoreAnalytics, Ct);
        var purpose = SamplePurposes.StoreAnalytics.Id;
        Assert.True((await Ledger.SetAsync(GovernanceFixture.Admin, "pure-only", purpose, 100, 0, Ct)).Succeeded);
        var refused = await Ledger.ChargeAsync(GovernanceFixture.Admin, "pure-only", purpose, new PrivacyCost.SubsampledGaussian(0.001, 10, 1), "dp-sgd", Ct);
        Assert.Equal(GovernanceErrorKind.Refused, refused.Error?.Kind);
    }

    [Fact]
    public void Stored_costs_read_back_exactly_and_a_non_canonical_mechanism_is_refused()
    {
        var purpose = SamplePurposes.StoreAnalytics.Id;
        foreach (var cost in new PrivacyCost[]
        {
            new PrivacyCost.Pure(Rational.Of(1, 3)),
            new PrivacyCost.Zcdp(Rational.Of(7, 100)),
            new PrivacyCost.SubsampledGaussian(1, 0.5, 1),
            new PrivacyCost.SubsampledGaussian(Math.PI / 1e4, 1e22, long.MaxValue),
            new PrivacyCost.SubsampledGaussian(double.Epsilon, 1e-300, 1),
        })
        {
            var (concentrated, value, mechanism) = StoredPrivacyCost.Parts(cost);
            var charge = new PrivacyCharge("d", purpose, concentrated, value.Numerator, value.Denominator, "q", DateTimeOffset.UnixEpoch, mechanism);
            Assert.Equal(cost, StoredPrivacyCost.Read(charge));
            _ = new AuditEvent("test:writer", AuditAction.Read, DataCategory.Parse("privacy-budget"), reference: StoredPrivacyCost.Reference(cost)); // a valid ledger token
        }

        foreach (var bad in new[] { "sgm:q_0.010:sigma_1:steps_1", "sgm:q_2:sigma_1:steps_1", "sgm:sigma_1:q_0.5:steps_1", "laplace:b_1", "sgm:q_0.5:sigma_1E+2:steps_1", "sgm:q_0.5:sigma_1:steps_0" })
        {
            Assert.Throws<InvalidDataException>(() => StoredPrivacyCost.Read(new PrivacyCharge("d", purpose, false, 0, 1, "q", DateTimeOffset.UnixEpoch, bad)));
        }
    }

    [Fact]
    public async Task An_uncharged_release_is_recorded_in_the_audit_ledger_with_its_reason_and_cost_and_a_free_text_reason_is_refused()
    {
        var cost = new PrivacyCost.Pure(Rational.Of(1, 2));
        var recorded = await Ledger.RecordUnchargedAsync(GovernanceFixture.Admin, cost, "count", "ticket:PRIV-12", null, Ct);
        Assert.True(recorded.Succeeded, recorded.Error?.Message);
        var entry = Assert.Single((await _f.LedgerService.GetEntriesAsync(0, 1000, Ct)).Value!, e => e.Event.DataCategory.ToString() == "privacy-budget");
        Assert.Equal(("uncharged:ticket:PRIV-12", "dp-release:count", "eps:1/2"), (entry.Event.From, entry.Event.To, entry.Event.Reference));
        Assert.Equal(GovernanceFixture.Admin.Value, entry.Event.Actor);
        Assert.True((await _f.LedgerService.VerifyAsync(null, null, Ct)).Intact);

        var freeText = await Ledger.RecordUnchargedAsync(GovernanceFixture.Admin, cost, "count", "because Alice asked", null, Ct);
        Assert.Equal(("reason", GovernanceErrorKind.Invalid), (freeText.Error?.Field, freeText.Error?.Kind));
        Assert.Equal("reason", (await Ledger.RecordUnchargedAsync(GovernanceFixture.Admin, cost, "count", "", null, Ct)).Error?.Field);
        Assert.Single((await _f.LedgerService.GetEntriesAsync(0, 1000, Ct)).Value!, e => e.Event.DataCategory.ToString() == "privacy-budget");
    }

    [Fact]
    public async Task Bad_budgets_and_unknown_datasets_are_refused_with_the_field()
    {
        var purpose = SamplePurposes.StoreAnalytics.Id;
        Assert.Equal(GovernanceErrorKind.NotFound, (await Ledger.SetAsync(GovernanceFixture.Admin, "visits", purpose, 1, 0, Ct)).Error?.Kind); // purpose not registered
        await _f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.StoreAnalytics, Ct);
        Assert.Equal("dataset", (await Ledger.SetAsync(GovernanceFixture.Admin, "Visits 2026", purpose, 1, 0, Ct)).Error?.Field);
        Assert.Equal("epsilon", (await Ledger.SetAsync(GovernanceFixture.Admin, "visits", purpose, 0, 0, Ct)).Error?.Field);
        Assert.Equal(GovernanceErrorKind.NotFound, (await Ledger.ChargeAsync(GovernanceFixture.Admin, "nothing", purpose, new PrivacyCost.Pure(Rational.Whole(1)), "count", Ct)).Error?.Kind);
    }
}
