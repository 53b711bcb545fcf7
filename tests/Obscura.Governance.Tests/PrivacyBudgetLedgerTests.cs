using Obscura.Governance.Budgets;
using Obscura.Governance.Ledger;
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
