using Obscura.Governance;
using Obscura.Governance.Budgets;
using Obscura.Governance.Ledger;
using Obscura.Privacy;
using Obscura.Privacy.Accounting;
using Obscura.TestSupport;

namespace Obscura.Storage.Tests;

/// <summary>
/// Migration 4 (privacy_charges.mechanism, for DP-SGD charges): a database written before it upgrades in place, its
/// charges keep their meaning and their committed hashes, and the new column is as tamper-evident as the others.
/// </summary>
public abstract class PrivacyChargeMigrationTests(StorageBackend backend) : BackendTests(backend)
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private static readonly PrivacyCost DpSgd = new PrivacyCost.SubsampledGaussian(0.0025, 1.3, 6000);

    [Fact]
    public async Task A_version_3_database_upgrades_and_its_charges_keep_their_hashes_and_their_cost()
    {
        using var f = Fixture();
        var budgets = await BudgetAsync(f);
        var purpose = SamplePurposes.StoreAnalytics.Id;
        Assert.True((await budgets.ChargeAsync(GovernanceFixture.Admin, "training", purpose, new PrivacyCost.Pure(Rational.Of(1, 2)), "count", Ct)).Succeeded);
        Assert.True((await budgets.ChargeAsync(GovernanceFixture.Admin, "training", purpose, new PrivacyCost.Zcdp(Rational.Of(1, 100)), "sum", Ct)).Succeeded);
        var before = (await budgets.GetStatusAsync("training", purpose, Ct)).Value!;

        // What the ledger committed for each charge must be the hash of the version-3 row: every column it had, no more.
        var committed = (await f.LedgerService.GetEntriesAsync(0, 1000, Ct)).Value!
            .Where(e => e.Event.Commitment?.Table == RecordTables.PrivacyCharges)
            .ToDictionary(e => e.Event.Commitment!.Key, e => e.Event.Commitment!.ContentHash);

        // Put the database back to schema version 3, as an older Obscura wrote it: no mechanism column, no version 4 (nor later: moved_to, purpose_documents).
        RawDatabase.Execute(f, "ALTER TABLE privacy_charges DROP COLUMN mechanism; DELETE FROM schema_migrations WHERE version >= 4; DROP TABLE purpose_documents;" + (Backend == StorageBackend.Sqlite ? " DROP TABLE moved_to;" : ""));
        Assert.DoesNotContain("mechanism", RawDatabase.Columns(f, "privacy_charges"));
        var version3 = VersionThreeHashes(f);
        Assert.Equal(2, version3.Count);
        foreach (var (key, hash) in version3)
        {
            Assert.Equal(hash, committed[key]);
        }

        using var upgraded = f.OpenStore();
        Assert.Contains("mechanism", RawDatabase.Columns(f, "privacy_charges"));
        var again = new PrivacyBudgetLedger(upgraded, f.Ledger, f.Clock);
        var after = (await again.GetStatusAsync("training", purpose, Ct)).Value!;
        Assert.Equal((before.Releases, before.EpsilonSpent), (after.Releases, after.EpsilonSpent));
        Assert.True((await f.LedgerService.VerifyAsync(null, null, Ct)).Intact);

        var charged = await again.ChargeAsync(GovernanceFixture.Admin, "training", purpose, DpSgd, "dp-sgd", Ct);
        Assert.True(charged.Succeeded, charged.Error?.Message);
        Assert.Equal(3, charged.Value!.Releases);
        Assert.True((await f.LedgerService.VerifyAsync(null, null, Ct)).Intact);
    }

    [Theory]
    [InlineData("UPDATE privacy_charges SET mechanism = NULL")]
    [InlineData("UPDATE privacy_charges SET mechanism = 'sgm:q_0.0025:sigma_13:steps_6000'")]
    [InlineData("UPDATE privacy_charges SET mechanism = 'sgm:q_0.0025:sigma_1.3:steps_600'")]
    public async Task A_dp_sgd_charge_changed_outside_Obscura_does_not_refill_the_budget(string sql)
    {
        using var f = Fixture();
        var budgets = await BudgetAsync(f);
        var purpose = SamplePurposes.StoreAnalytics.Id;
        Assert.True((await budgets.ChargeAsync(GovernanceFixture.Admin, "training", purpose, DpSgd, "dp-sgd", Ct)).Succeeded);

        Assert.True(RawDatabase.Tamper(f, sql) > 0);

        var status = await budgets.GetStatusAsync("training", purpose, Ct);
        Assert.Equal(GovernanceErrorKind.Refused, status.Error?.Kind);
        Assert.Contains("audit ledger", status.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(GovernanceErrorKind.Refused, (await budgets.ChargeAsync(GovernanceFixture.Admin, "training", purpose, DpSgd, "dp-sgd", Ct)).Error?.Kind);
        Assert.False((await f.LedgerService.VerifyAsync(null, null, Ct)).Intact);
    }

    private static async Task<PrivacyBudgetLedger> BudgetAsync(GovernanceFixture f)
    {
        await f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.StoreAnalytics, Ct);
        var budgets = new PrivacyBudgetLedger(f.Store, f.Ledger, f.Clock);
        Assert.True((await budgets.SetAsync(GovernanceFixture.Admin, "training", SamplePurposes.StoreAnalytics.Id, 3.0, 1e-5, Ct)).Succeeded);
        return budgets;
    }

    private static Dictionary<string, byte[]> VersionThreeHashes(GovernanceFixture f)
    {
        string[] names = ["seq", "dataset", "purpose", "concentrated", "numerator", "denominator", "query", "charged_at"];
        using var connection = RawDatabase.Open(f);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {string.Join(", ", names)} FROM privacy_charges ORDER BY seq";
        using var reader = command.ExecuteReader();
        var hashes = new Dictionary<string, byte[]>();
        while (reader.Read())
        {
            var columns = names.Select((n, i) => new KeyValuePair<string, object?>(n, reader.GetValue(i))).ToArray();
            hashes[reader.GetInt64(0).ToString(System.Globalization.CultureInfo.InvariantCulture)] = RowDigest.Compute(RecordTables.PrivacyCharges, columns);
        }

        return hashes;
    }
}
