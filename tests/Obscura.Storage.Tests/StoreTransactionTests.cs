using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Governance.Consent;
using Obscura.Governance.Subjects;
using Obscura.Storage.Sqlite;
using Obscura.TestSupport;

namespace Obscura.Storage.Tests;

public sealed class StoreTransactionTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task A_failure_after_writing_a_consent_leaves_neither_the_consent_nor_a_ledger_entry()
    {
        using var f = new GovernanceFixture();
        var subject = (await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, null, Ct)).Value!.Id;
        await f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.IdentityVerification, Ct);
        var headBefore = await f.LedgerService.GetLatestHeadAsync(Ct);

        await Assert.ThrowsAsync<IOException>(() => f.Store.WriteAsync<int>(async (s, ct) =>
        {
            await s.InsertConsentEventAsync(new ConsentEvent("con_x", subject, SamplePurposes.IdentityVerification.Id, ConsentEventKind.Given, f.Clock.GetUtcNow(), "n1", true, "app", "test"), ct);
            await f.Ledger.AppendAsync(s, [new Governance.Ledger.AuditEvent("test", Governance.Ledger.AuditAction.Create, GovernanceCategories.ConsentRecord, subject)], ct);
            throw new IOException("simulated crash before commit");
        }, Ct));

        Assert.Empty(await f.Store.ReadAsync((s, ct) => s.GetConsentEventsAsync(subject, null, ct), Ct));
        Assert.Equal(headBefore!.TreeSize, (await f.LedgerService.GetLatestHeadAsync(Ct))!.TreeSize);
        Assert.True((await f.LedgerService.VerifyAsync(null, null, Ct)).Intact);
    }

    [Fact]
    public async Task A_consent_whose_ledger_entry_cannot_be_signed_does_not_happen()
    {
        using var f = new GovernanceFixture();
        var subject = (await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, null, Ct)).Value!.Id;
        await f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.IdentityVerification, Ct);
        f.SigningKey.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => f.Governance.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(subject, SamplePurposes.IdentityVerification.Id, "n1", true, "app"), Ct));
        Assert.Empty(await f.Store.ReadAsync((s, ct) => s.GetConsentEventsAsync(subject, null, ct), Ct));
    }

    [Fact]
    public async Task Reopening_applies_no_migration_twice_and_keeps_data()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "nested", "obscura.db");
        using (var store = SqliteGovernanceStore.Open(path))
        {
            await store.WriteAsync(async (s, ct) =>
            {
                await s.InsertSubjectAsync(new SubjectRecord(SubjectId.Parse("s1"), DateTimeOffset.UnixEpoch), ct);
                return 0;
            }, Ct);
        }

        using var reopened = SqliteGovernanceStore.Open(path);
        Assert.NotNull(await reopened.ReadAsync((s, ct) => s.GetSubjectAsync(SubjectId.Parse("s1"), ct), Ct));
    }

    [Fact]
    public void A_database_from_a_newer_version_is_refused()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "obscura.db");
        SqliteGovernanceStore.Open(path).Dispose();
        RawDatabase.Execute(path, "INSERT INTO schema_migrations (version, applied_at) VALUES (999, 'future')");
        var ex = Assert.Throws<InvalidOperationException>(() => SqliteGovernanceStore.Open(path));
        Assert.Contains("newer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_sessions_cannot_write()
    {
        using var f = new GovernanceFixture();
        await Assert.ThrowsAsync<InvalidOperationException>(() => f.Store.ReadAsync(async (s, ct) =>
        {
            await s.InsertSubjectAsync(new SubjectRecord(SubjectId.Parse("s1"), DateTimeOffset.UnixEpoch), ct);
            return 0;
        }, Ct));
    }

    [Fact]
    public async Task Api_keys_authenticate_until_revoked_and_only_their_hash_is_stored()
    {
        using var f = new GovernanceFixture();
        var keys = new ApiKeys(f.Store, f.Ledger, f.Clock);
        var created = await keys.CreateAsync("dpo-1", Role.Auditor, null, Ct);
        var (record, key) = created.Value;
        Assert.StartsWith("obk_", key, StringComparison.Ordinal);
        Assert.Equal(record.Id, (await keys.AuthenticateAsync(key, Ct))!.Id);
        Assert.Null(await keys.AuthenticateAsync(key[..^1] + (key[^1] == 'a' ? 'b' : 'a'), Ct));
        Assert.Null(await keys.AuthenticateAsync("obk_nothing", Ct));
        Assert.Null(await keys.AuthenticateAsync(null, Ct));
        Assert.DoesNotContain(key.Split('_')[2], (await keys.ListAsync(Ct)).Single().ToString(), StringComparison.Ordinal);

        Assert.Equal(GovernanceErrorKind.Conflict, (await keys.CreateAsync("dpo-1", Role.Auditor, null, Ct)).Error!.Kind);
        Assert.Equal("subject", (await keys.CreateAsync("self", Role.Subject, null, Ct)).Error!.Field);

        Assert.True((await keys.RevokeAsync(GovernanceFixture.Admin, "dpo-1", Ct)).Succeeded);
        Assert.Null(await keys.AuthenticateAsync(key, Ct));
        Assert.Equal(GovernanceErrorKind.NotFound, (await keys.RevokeAsync(GovernanceFixture.Admin, "dpo-1", Ct)).Error!.Kind);
    }

    [Fact]
    public async Task Concurrent_writers_produce_one_consistent_ledger()
    {
        using var f = new GovernanceFixture();
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, SubjectId.Parse($"s{i}"), Ct)));
        var report = await f.LedgerService.VerifyAsync(null, null, Ct);
        Assert.True(report.Intact);
        Assert.Equal(40, report.EntryCount);
    }
}
