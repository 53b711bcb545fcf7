using Obscura.Governance;
using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.Governance.Subjects;
using Obscura.TestSupport;

namespace Obscura.Storage.Tests;

/// <summary>
/// Reads of personal data are accountable without growing the ledger one signed entry per read (issue 12,
/// finding 11): they go to an access log whose rows the ledger commits in batches.
/// </summary>
public abstract class AccessLogTests(StorageBackend backend) : BackendTests(backend)
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly SubjectId Alice = SubjectId.Parse("alice");

    [Fact]
    public async Task Reading_a_subjects_records_many_times_adds_at_most_one_ledger_entry_per_batch()
    {
        using var f = Fixture();
        await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, Alice, Ct);
        await f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.IdentityVerification, Ct);
        await f.Governance.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(Alice, SamplePurposes.IdentityVerification.Id, "n1", true, "app"), Ct);
        var before = (await f.LedgerService.GetLatestHeadAsync(Ct))!.TreeSize;

        const int Reads = 300;
        for (var i = 0; i < Reads; i++)
        {
            Assert.True((await f.Governance.GetConsentStatusAsync(GovernanceFixture.Admin, Alice, Ct)).Succeeded);
            Assert.True((await f.LedgerService.GetSubjectEntriesAsync(GovernanceFixture.Admin, Alice, 0, 10, Ct)).Succeeded);
        }

        var added = (await f.LedgerService.GetLatestHeadAsync(Ct))!.TreeSize - before;
        Assert.True(added <= 2 * Reads / 100, $"{2 * Reads} reads added {added} ledger entries");
        Assert.True((await f.LedgerService.VerifyAsync(null, null, Ct)).Intact);
    }

    [Theory]
    [InlineData("UPDATE access_log SET actor = 'someone-else' WHERE seq = 2")]
    [InlineData("DELETE FROM access_log WHERE seq = 3")]
    [InlineData("UPDATE access_log SET seq = 100 WHERE seq = 4")]
    [InlineData("INSERT INTO access_log (seq, recorded_at, actor, action, category, subject) VALUES (0, 0, 'test:admin', 2, 'consent-record', 'alice')")]
    public async Task A_committed_access_log_row_changed_deleted_or_inserted_is_reported(string sql)
    {
        using var f = Fixture();
        var (governance, ledger) = WithBatchSize(f, 5);
        await governance.RegisterSubjectAsync(GovernanceFixture.Admin, Alice, Ct);
        for (var i = 0; i < 7; i++)
        {
            await governance.GetConsentStatusAsync(GovernanceFixture.Admin, Alice, Ct);
        }

        var before = await ledger.VerifyAsync(null, null, Ct);
        Assert.True(before.Intact);
        Assert.Equal(2, before.PendingAccessRecords);

        Assert.Equal(1, RawDatabase.Tamper(f, sql));

        var after = await ledger.VerifyAsync(null, null, Ct);
        Assert.Contains(after.Problems, p => p.Kind == LedgerProblemKind.AccessLogDoesNotMatchLedger);
    }

    [Fact]
    public async Task Pending_rows_are_reported_as_pending_and_a_flush_commits_them_once()
    {
        using var f = Fixture();
        var (governance, ledger) = WithBatchSize(f, 50);
        await governance.RegisterSubjectAsync(GovernanceFixture.Admin, Alice, Ct);
        for (var i = 0; i < 3; i++)
        {
            await governance.GetConsentStatusAsync(GovernanceFixture.Admin, Alice, Ct);
        }

        var pending = await ledger.VerifyAsync(null, null, Ct);
        Assert.True(pending.Intact);
        Assert.Equal(3, pending.PendingAccessRecords);

        var head = await ledger.FlushAccessLogAsync(Ct);
        Assert.NotNull(head);
        Assert.Null(await ledger.FlushAccessLogAsync(Ct));
        var flushed = await ledger.VerifyAsync(null, null, Ct);
        Assert.True(flushed.Intact);
        Assert.Equal(0, flushed.PendingAccessRecords);
        var batch = (await ledger.GetEntriesAsync(head!.TreeSize - 1, 1, Ct)).Value!.Single();
        Assert.Equal((RecordTables.AccessLog, "1-3"), (batch.Event.Commitment!.Table, batch.Event.Commitment.Key));
    }

    [Fact]
    public async Task Rows_older_than_the_age_bound_are_committed_at_the_next_read()
    {
        using var f = Fixture();
        var (governance, ledger) = WithBatchSize(f, 1000);
        await governance.RegisterSubjectAsync(GovernanceFixture.Admin, Alice, Ct);
        await governance.GetConsentStatusAsync(GovernanceFixture.Admin, Alice, Ct);
        var size = (await ledger.GetLatestHeadAsync(Ct))!.TreeSize;

        f.Clock.Advance(TimeSpan.FromSeconds(59));
        await governance.GetConsentStatusAsync(GovernanceFixture.Admin, Alice, Ct);
        Assert.Equal(size, (await ledger.GetLatestHeadAsync(Ct))!.TreeSize);

        f.Clock.Advance(TimeSpan.FromSeconds(2));
        await governance.GetConsentStatusAsync(GovernanceFixture.Admin, Alice, Ct);
        Assert.Equal(size + 1, (await ledger.GetLatestHeadAsync(Ct))!.TreeSize);
        Assert.Equal(0, (await ledger.VerifyAsync(null, null, Ct)).PendingAccessRecords);
    }

    [Fact]
    public async Task A_subject_sees_every_recorded_read_of_their_data_committed_or_not()
    {
        using var f = Fixture();
        var (governance, ledger) = WithBatchSize(f, 2);
        await governance.RegisterSubjectAsync(GovernanceFixture.Admin, Alice, Ct);
        await governance.RegisterSubjectAsync(GovernanceFixture.Admin, SubjectId.Parse("bob"), Ct);
        await governance.GetConsentStatusAsync(Actor.Parse("apikey:ops"), Alice, Ct);
        await governance.GetConsentStatusAsync(GovernanceFixture.Admin, SubjectId.Parse("bob"), Ct);
        await governance.GetConsentStatusAsync(Actor.Parse("apikey:vendor"), Alice, Ct);

        var reads = (await ledger.GetSubjectAccessesAsync(Actor.Parse("apikey:subject-alice"), Alice, 0, 100, Ct)).Value!;
        Assert.Equal(["apikey:ops", "apikey:vendor"], reads.Select(r => r.Event.Actor));
        Assert.All(reads, r => Assert.Equal(AuditAction.Read, r.Event.Action));

        // The subject's own look is recorded too.
        var again = (await ledger.GetSubjectAccessesAsync(Actor.Parse("apikey:subject-alice"), Alice, 0, 100, Ct)).Value!;
        Assert.Equal("apikey:subject-alice", again[^1].Event.Actor);
        Assert.Equal(GovernanceErrorKind.Invalid, (await ledger.GetSubjectAccessesAsync(GovernanceFixture.Admin, Alice, 0, 0, Ct)).Error?.Kind);
    }

    private static (GovernanceService Governance, LedgerService Ledger) WithBatchSize(GovernanceFixture f, int batchSize)
    {
        var ledger = new AuditLedger(f.SigningKey, f.Clock, new AccessLogPolicy(batchSize, TimeSpan.FromMinutes(1)));
        return (new GovernanceService(f.Store, ledger, f.Clock), new LedgerService(f.Store, ledger));
    }
}
