using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Governance.Budgets;
using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.Governance.Subjects;
using Obscura.Privacy;
using Obscura.Privacy.Accounting;
using Obscura.Storage.Postgres;
using Obscura.TestSupport;

namespace Obscura.Storage.Tests;

/// <summary>Moving a SQLite database to PostgreSQL (<c>obscura migrate</c>): every row, the same ledger, and a store that goes on from there.</summary>
public sealed class DatabaseCopyTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly SubjectId Alice = SubjectId.Parse("alice");

    [Fact]
    public async Task A_moved_ledger_keeps_its_heads_verifies_on_postgres_and_takes_new_entries()
    {
        var (source, empty) = await PopulatedSqliteAndEmptyPostgresAsync();
        using var disposeSource = source;
        using var disposeTarget = empty;
        var sourceHead = (await source.LedgerService.GetLatestHeadAsync(Ct))!;
        var sourceHeads = await source.Store.ReadAsync((s, ct) => s.GetTreeHeadsAsync(0, 10_000, ct), Ct);

        var copy = await DatabaseCopy.CopyAsync(source.Store, empty.Store, Ct);
        var rows = copy.Rows;
        Assert.Equal((sourceHead.TreeSize, Convert.ToHexString(sourceHead.RootHash)), (copy.SourceHead!.TreeSize, Convert.ToHexString(copy.SourceHead.RootHash)));
        Assert.Equal(sourceHead.TreeSize, rows["ledger_entries"]);
        Assert.True(rows["access_log"] > 0);
        Assert.True(rows["privacy_charges"] > 0);

        // Run again (as after a crash once the target committed): every row of every table compares equal across the two
        // backends' types (64-bit SQLite integers, PostgreSQL INTEGER, BYTEA, DOUBLE PRECISION), so the move is complete.
        Assert.True((await DatabaseCopy.CopyAsync(source.Store, empty.Store, Ct)).AlreadyComplete);

        // The same signed heads, byte for byte, and a ledger that verifies under the source's key, every committed row included.
        var target = new LedgerService(empty.Store, source.Ledger);
        var targetHeads = await empty.Store.ReadAsync((s, ct) => s.GetTreeHeadsAsync(0, 10_000, ct), Ct);
        Assert.Equal(sourceHeads.Select(h => (h.TreeSize, Convert.ToHexString(h.RootHash), h.Timestamp, Convert.ToHexString(h.Signature))), targetHeads.Select(h => (h.TreeSize, Convert.ToHexString(h.RootHash), h.Timestamp, Convert.ToHexString(h.Signature))));
        var report = await target.VerifyAsync(source.SigningKey.VerificationKey, sourceHead, null, Ct);
        Assert.True(report.Intact, string.Join("; ", report.Problems.Select(p => p.Message)));
        Assert.Equal(sourceHead.TreeSize, report.EntryCount);

        // The moved store goes on: decisions read the same history, and new rows (numbered after the copied ones) append.
        var governance = new GovernanceService(empty.Store, source.Ledger, source.Clock);
        Assert.False((await governance.AuthorizeAsync(Alice, SamplePurposes.IdentityVerification.Id, null, Ct)).Allowed);
        Assert.True((await governance.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(Alice, SamplePurposes.IdentityVerification.Id, "n2", true, "app"), Ct)).Succeeded);
        Assert.True((await governance.AuthorizeAsync(Alice, SamplePurposes.IdentityVerification.Id, null, Ct)).Allowed);
        var budgets = new PrivacyBudgetLedger(empty.Store, source.Ledger, source.Clock);
        Assert.True((await budgets.ChargeAsync(GovernanceFixture.Admin, "visits", SamplePurposes.StoreAnalytics.Id, new PrivacyCost.Pure(Rational.Of(1, 10)), "count", Ct)).Succeeded);
        var after = await target.VerifyAsync(source.SigningKey.VerificationKey, sourceHead, null, Ct);
        Assert.True(after.Intact, string.Join("; ", after.Problems.Select(p => p.Message)));
        Assert.True(after.EntryCount > sourceHead.TreeSize);
    }

    [Fact]
    public async Task Moving_into_a_database_that_holds_rows_is_refused_and_changes_nothing()
    {
        var (source, busy) = await PopulatedSqliteAndEmptyPostgresAsync();
        using var disposeSource = source;
        using var disposeTarget = busy;
        await busy.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, SubjectId.Parse("someone"), Ct);
        var before = (await busy.LedgerService.GetLatestHeadAsync(Ct))!;

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => DatabaseCopy.CopyAsync(source.Store, busy.Store, Ct));
        Assert.Contains("empty database", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before.TreeSize, (await busy.LedgerService.GetLatestHeadAsync(Ct))!.TreeSize);
        Assert.Null(await busy.Store.ReadAsync((s, ct) => s.GetSubjectAsync(Alice, ct), Ct));
    }

    [Fact]
    public void A_postgres_uri_names_host_port_user_database_and_socket_folders_and_never_prints_the_password()
    {
        var tcp = PostgresUri.Parse("postgres://obscura:s3cr%40t@db.example:6543/gov?sslmode=require&application_name=obscura");
        Assert.Equal(("db.example", 6543, "obscura", "s3cr@t", "gov", Npgsql.SslMode.Require), (tcp.Host, tcp.Port, tcp.Username, tcp.Password, tcp.Database, tcp.SslMode));
        Assert.DoesNotContain("s3cr", PostgresUri.Describe(tcp), StringComparison.Ordinal);

        var socket = PostgresUri.Parse("postgresql://me@/gov?host=%2Ftmp%2Fpg&port=5499");
        Assert.Equal(("/tmp/pg", 5499, "me", "gov"), (socket.Host, socket.Port, socket.Username, socket.Database));
        Assert.Equal("/tmp/pg", PostgresUri.Parse("postgres://%2Ftmp%2Fpg/gov").Host);

        Assert.Throws<ArgumentException>(() => PostgresUri.Parse("sqlite:///data/obscura.db"));
        Assert.Throws<ArgumentException>(() => PostgresUri.Parse("postgres://db/gov?sslmode=sometimes"));
        Assert.Throws<ArgumentException>(() => PostgresUri.Parse("postgres://db:99999/gov"));
        Assert.Throws<ArgumentException>(() => PostgresUri.Parse("postgres:///gov"));
        var unknown = Assert.Throws<ArgumentException>(() => PostgresUri.Parse("postgres://u:hunter2@db/gov?options=x"));
        Assert.DoesNotContain("hunter2", unknown.Message, StringComparison.Ordinal);
    }

    private static async Task<(GovernanceFixture Source, GovernanceFixture Target)> PopulatedSqliteAndEmptyPostgresAsync()
    {
        Assert.SkipWhen(PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1");
        var source = new GovernanceFixture(StorageBackend.Sqlite);
        await PopulateAsync(source);
        return (source, new GovernanceFixture(StorageBackend.Postgres));
    }

    private static async Task PopulateAsync(GovernanceFixture f)
    {
        var admin = GovernanceFixture.Admin;
        var g = f.Governance;
        await g.RegisterSubjectAsync(admin, Alice, Ct);
        await g.RegisterSubjectAsync(admin, SubjectId.Parse("bob"), Ct);
        foreach (var p in new[] { SamplePurposes.IdentityVerification, SamplePurposes.ModelTraining, SamplePurposes.StoreAnalytics })
        {
            Assert.True((await g.RegisterPurposeAsync(admin, p, Ct)).Succeeded);
        }

        Assert.True((await g.GiveConsentAsync(admin, new ConsentGrant(Alice, SamplePurposes.IdentityVerification.Id, "n1", true, "app"), Ct)).Succeeded);
        f.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await g.WithdrawConsentAsync(admin, Alice, SamplePurposes.IdentityVerification.Id, Ct)).Succeeded);
        Assert.True((await g.ObjectAsync(admin, Alice, SamplePurposes.StoreAnalytics.Id, Ct)).Succeeded);
        Assert.True((await g.RecordAssessmentAsync(admin, SamplePurposes.TrainingReuseAssessment, Ct)).Succeeded);
        Assert.True((await new ApiKeys(f.Store, f.Ledger, f.Clock).CreateAsync("dpo", Role.Auditor, null, Ct)).Succeeded);
        var budgets = new PrivacyBudgetLedger(f.Store, f.Ledger, f.Clock);
        Assert.True((await budgets.SetAsync(admin, "visits", SamplePurposes.StoreAnalytics.Id, 3.0, 1e-5, Ct)).Succeeded);
        Assert.True((await budgets.ChargeAsync(admin, "visits", SamplePurposes.StoreAnalytics.Id, new PrivacyCost.Pure(Rational.Of(1, 2)), "count", Ct)).Succeeded);
        Assert.True((await budgets.ChargeAsync(admin, "visits", SamplePurposes.StoreAnalytics.Id, new PrivacyCost.SubsampledGaussian(0.0025, 1.3, 60), "dp-sgd", Ct)).Succeeded);
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await g.GetConsentStatusAsync(admin, Alice, Ct)).Succeeded);
        }
    }
}
