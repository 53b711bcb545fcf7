using Microsoft.Data.Sqlite;
using Obscura.Governance.Ledger;
using Obscura.TestSupport;
using Obscura.Vault.Internal;

namespace Obscura.Vault.Tests;

/// <summary>
/// Every minimisation-policy version is recorded in the audit ledger with a commitment to its content, in the same
/// transaction as the version (through the outbox), and <c>vault check</c> finds a version inserted, changed or deleted
/// outside Obscura. Exports follow the latest version, so an unrecorded, widened version is how someone would export
/// more than the DPO approved.
/// </summary>
public sealed class PolicyLedgerTests : IAsyncLifetime
{
    private const string Justification = "Age-stratified drift check needs these records.";
    private const string Approver = "Kari Nordmann, DPO";

    private VaultFixture _f = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TrainingDataVault Vault => _f.Vault;

    private string CatalogPath => Path.Combine(_f.Folder, "vault.db");

    public async ValueTask InitializeAsync() => _f = await VaultFixture.CreateAsync();

    public ValueTask DisposeAsync() => _f.DisposeAsync();

    [Fact]
    public async Task Setting_a_policy_records_who_did_it_and_a_commitment_to_the_version_but_no_free_text()
    {
        var set = await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 0.25, ["site"], 40, Justification, Approver, ["payload", "label:site"], Ct);
        Assert.True(set.Succeeded, set.Error?.Message);

        var entry = Assert.Single(await PolicyEntriesAsync());
        Assert.Equal((VaultFixture.Actor, AuditAction.Create, VaultFixture.Training, (string?)null, "vault:policies"), (entry.Actor, entry.Action, entry.Purpose!.Value, entry.From, entry.To));
        Assert.Equal("v1:sha256:" + Convert.ToHexStringLower(VaultLedger.PolicyDigest(set.Value))[..32], entry.Reference);
        Assert.Equal(entry.Reference, VaultLedger.PolicyReference(Assert.Single(Vault.Policies())));
        var text = string.Join("|", entry.Actor, entry.DataCategory, entry.Purpose, entry.From, entry.To, entry.Reference);
        Assert.DoesNotContain("Nordmann", text, StringComparison.Ordinal);
        Assert.DoesNotContain("drift", text, StringComparison.Ordinal);

        var check = await Vault.CheckAsync(Ct);
        Assert.True(check.Consistent, string.Join("; ", check.Problems));
    }

    [Fact]
    public async Task A_bad_actor_is_refused_before_anything_is_written()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Vault.SetPolicyAsync("not a token", VaultFixture.Training, 0.25, [], null, Justification, Approver, Ct));

        Assert.Empty(Vault.Policies());
        Assert.Empty(await PolicyEntriesAsync());
    }

    [Fact]
    public async Task A_version_inserted_into_the_catalogue_behind_Obscuras_back_is_found_by_the_check()
    {
        // The attack: an approved, narrow version 1; then a widened version 2 written straight into vault.db, which
        // exports would follow because it is the latest.
        await SetNarrowPolicyAsync();
        Sql("INSERT INTO policies(purpose, version, fraction, strata, max_records, justification, approved_by, created_at, allowed_fields) "
            + "SELECT purpose, 2, 1.0, strata, NULL, justification, approved_by, created_at, NULL FROM policies WHERE version = 1");
        Assert.Equal(2, Vault.Policies()[^1].Version);

        var check = await Vault.CheckAsync(Ct);

        Assert.False(check.Consistent);
        Assert.Contains(check.Problems, p => p.Contains($"policy {VaultFixture.Training} v2: not recorded in the audit ledger", StringComparison.Ordinal));
        Assert.DoesNotContain(check.Problems, p => p.Contains("v1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("UPDATE policies SET allowed_fields = NULL")]
    [InlineData("UPDATE policies SET fraction = 1.0")]
    [InlineData("UPDATE policies SET max_records = NULL")]
    [InlineData("UPDATE policies SET approved_by = 'someone else'")]
    [InlineData("UPDATE policies SET strata = '[]'")]
    [InlineData("UPDATE policies SET created_at = created_at - 1")]
    public async Task A_version_changed_in_the_catalogue_is_found_by_the_check(string tamper)
    {
        await SetNarrowPolicyAsync();
        Sql(tamper);

        var check = await Vault.CheckAsync(Ct);

        Assert.Equal([$"policy {VaultFixture.Training} v1: differs from what the audit ledger recorded (changed outside Obscura)"], check.Problems);
    }

    [Fact]
    public async Task A_version_deleted_from_the_catalogue_is_found_by_the_check()
    {
        await SetNarrowPolicyAsync();
        Assert.True((await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 0.5, [], null, Justification, Approver, Ct)).Succeeded);
        Sql("DELETE FROM policies WHERE version = 2"); // back to the narrow version 1, and nobody would know

        var check = await Vault.CheckAsync(Ct);

        Assert.Equal([$"policy {VaultFixture.Training} v2: recorded in the audit ledger but no longer stored (deleted outside Obscura)"], check.Problems);
    }

    [Fact]
    public async Task A_ledger_failure_leaves_the_version_with_its_entry_staged_and_the_next_check_appends_it()
    {
        var store = new FailingGovernanceStore(_f.Governance.Store) { FailBeforeCommit = true };
        var failing = await _f.OpenWithAsync(store);
        try
        {
            await Assert.ThrowsAsync<IOException>(() => failing.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 0.25, [], null, Justification, Approver, Ct));
            Assert.Single(Vault.Policies());
            Assert.Empty(await PolicyEntriesAsync());

            store.FailBeforeCommit = false;
            var check = await failing.CheckAsync(Ct);

            Assert.True(check.Consistent, string.Join("; ", check.Problems));
            Assert.Equal(VaultLedger.PolicyReference(Vault.Policies()[0]), Assert.Single(await PolicyEntriesAsync()).Reference);
        }
        finally
        {
            failing.Dispose();
        }
    }

    [Fact]
    public async Task A_version_3_catalogue_is_migrated_and_its_existing_versions_reach_the_ledger_once()
    {
        // A vault folder as version 3 left it: a policy version in the catalogue, no ledger entry for it.
        using var dir = new TempDirectory();
        var folder = Path.Combine(dir.Path, "vault");
        Directory.CreateDirectory(folder);
        Sql(Path.Combine(folder, "vault.db"), PolicyAllowedFieldsTests.SchemaVersion2 + $"""
            ALTER TABLE policies ADD COLUMN allowed_fields TEXT;
            INSERT INTO policies VALUES ('{VaultFixture.Training}', 1, 0.25, '["site"]', 12, 'Written before policies were ledgered.', 'dpo', 1760000000000, '["payload"]');
            PRAGMA user_version = 3;
            """);
        var trail = new AuditTrail(_f.Governance.Store, _f.Governance.Ledger);

        using (var opened = await TrainingDataVault.OpenAsync(folder, _f.Governance.Governance, trail, _f.Governance.Clock, Ct))
        {
            var migrated = Assert.Single(await PolicyEntriesAsync());
            Assert.Equal((VaultLedger.MigrationActor, VaultLedger.PolicyReference(Assert.Single(opened.Policies()))), (migrated.Actor, migrated.Reference));
            var check = await opened.CheckAsync(Ct);
            Assert.True(check.Consistent, string.Join("; ", check.Problems));
        }

        using var reopened = await TrainingDataVault.OpenAsync(folder, _f.Governance.Governance, trail, _f.Governance.Clock, Ct);
        Assert.Single(await PolicyEntriesAsync()); // a second open migrates nothing more
    }

    private Task SetNarrowPolicyAsync() =>
        Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 0.1, ["site"], 10, Justification, Approver, ["label:site"], Ct)
            .ContinueWith(t => Assert.True(t.Result.Succeeded, t.Result.Error?.Message), Ct, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private async Task<IReadOnlyList<AuditEvent>> PolicyEntriesAsync() =>
        [.. (await _f.Governance.LedgerService.GetEntriesAsync(0, 1000, Ct)).Value!.Select(e => e.Event).Where(e => e.To == "vault:policies")];

    private void Sql(string sql) => Sql(CatalogPath, sql);

    private static void Sql(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
