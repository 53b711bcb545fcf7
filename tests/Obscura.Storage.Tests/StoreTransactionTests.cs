using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.Governance.Subjects;
using Obscura.TestSupport;

namespace Obscura.Storage.Tests;

public abstract class StoreTransactionTests(StorageBackend backend) : BackendTests(backend)
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task A_failure_after_writing_a_consent_leaves_neither_the_consent_nor_a_ledger_entry()
    {
        using var f = Fixture();
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
        using var f = Fixture();
        var subject = (await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, null, Ct)).Value!.Id;
        await f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.IdentityVerification, Ct);
        f.SigningKey.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => f.Governance.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(subject, SamplePurposes.IdentityVerification.Id, "n1", true, "app"), Ct));
        Assert.Empty(await f.Store.ReadAsync((s, ct) => s.GetConsentEventsAsync(subject, null, ct), Ct));
    }

    [Fact]
    public async Task Reopening_applies_no_migration_twice_and_keeps_data()
    {
        using var f = Fixture();
        await f.Store.WriteAsync(async (s, ct) =>
        {
            await s.InsertSubjectAsync(new SubjectRecord(SubjectId.Parse("s1"), DateTimeOffset.UnixEpoch), ct);
            return 0;
        }, Ct);

        using var reopened = f.OpenStore();
        Assert.NotNull(await reopened.ReadAsync((s, ct) => s.GetSubjectAsync(SubjectId.Parse("s1"), ct), Ct));
        Assert.Equal(AllVersions, SchemaVersions(f));
    }

    [Fact]
    public async Task Stores_opened_by_several_processes_at_once_apply_each_migration_once()
    {
        using var f = Fixture();
        RawDatabase.Execute(f, "DROP TABLE purpose_documents; DROP TABLE privacy_charges; DROP TABLE privacy_budgets; DELETE FROM schema_migrations WHERE version >= 2;" + (Backend == StorageBackend.Sqlite ? " DROP TABLE moved_to;" : ""));
        RawDatabase.Execute(f, "DROP INDEX ledger_entries_by_record; DROP INDEX ledger_entries_by_record_purpose; DROP INDEX ledger_entries_by_record_seq;");
        RawDatabase.Execute(f, "DROP TABLE access_log; ALTER TABLE ledger_entries DROP COLUMN record_table; ALTER TABLE ledger_entries DROP COLUMN record_key; ALTER TABLE ledger_entries DROP COLUMN content_hash;");
        Assert.Equal([1], SchemaVersions(f));

        // Eight "processes" start together on a version-1 database: each opens its own store (own connections).
        using var start = new Barrier(8);
        var stores = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            return f.OpenStore();
        })).ToArray();
        foreach (var store in await Task.WhenAll(stores).WaitAsync(TimeSpan.FromSeconds(60), Ct))
        {
            store.Dispose();
        }

        Assert.Equal(AllVersions, SchemaVersions(f));
        Assert.Contains("mechanism", RawDatabase.Columns(f, "privacy_charges"));
    }

    [Fact]
    public void A_database_from_a_newer_version_is_refused()
    {
        using var f = Fixture();
        RawDatabase.Execute(f, "INSERT INTO schema_migrations (version, applied_at) VALUES (999, 'future')");
        var ex = Assert.Throws<InvalidOperationException>(() => f.OpenStore());
        Assert.Contains("newer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_sessions_cannot_write()
    {
        using var f = Fixture();
        await Assert.ThrowsAsync<InvalidOperationException>(() => f.Store.ReadAsync(async (s, ct) =>
        {
            await s.InsertSubjectAsync(new SubjectRecord(SubjectId.Parse("s1"), DateTimeOffset.UnixEpoch), ct);
            return 0;
        }, Ct));
    }

    [Fact]
    public async Task Api_keys_authenticate_until_revoked_and_only_their_hash_is_stored()
    {
        using var f = Fixture();
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
        using var f = Fixture();
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, SubjectId.Parse($"s{i}"), Ct)));
        var report = await f.LedgerService.VerifyAsync(null, null, Ct);
        Assert.True(report.Intact);
        Assert.Equal(40, report.EntryCount);
    }

    [Fact]
    public async Task Two_server_processes_appending_at_once_keep_one_verifiable_chain()
    {
        // Two stores on one database stand for two server processes: separate connections and no shared in-process
        // lock, so only the database's single-writer lock (advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite)
        // keeps each tree edge computed from the committed tree.
        using var f = Fixture();
        using var other = f.OpenStore();
        var first = f.Governance;
        var second = new GovernanceService(other, new AuditLedger(f.SigningKey, f.Clock), f.Clock);
        const int PerProcess = 30;
        await Task.WhenAll(Enumerable.Range(0, PerProcess).SelectMany(i => new[]
        {
            Task.Run(() => first.RegisterSubjectAsync(GovernanceFixture.Admin, SubjectId.Parse($"a{i}"), Ct)),
            Task.Run(() => second.RegisterSubjectAsync(GovernanceFixture.Admin, SubjectId.Parse($"b{i}"), Ct)),
        }));

        var report = await f.LedgerService.VerifyAsync(f.SigningKey.VerificationKey, null, Ct);
        Assert.True(report.Intact, string.Join("; ", report.Problems.Select(p => p.Kind)));
        Assert.Equal(2 * PerProcess, report.EntryCount);
        Assert.Equal(2 * PerProcess, report.SignedHeadCount);
        var head = (await f.LedgerService.GetLatestHeadAsync(Ct))!;
        Assert.Equal(2 * PerProcess, head.TreeSize);
        for (var size = 1L; size < head.TreeSize; size += 7)
        {
            var older = (await f.Store.ReadAsync((s, ct) => s.GetTreeHeadsAsync(size, 1, ct), Ct)).Single();
            Assert.True((await f.LedgerService.GetConsistencyProofAsync(size, head.TreeSize, Ct)).Value!.Verify(older.RootHash, head.RootHash));
        }
    }

    /// <summary>
    /// A writer reads one snapshot: a row changed by raw SQL (no lock taken) between a ledger check and the read it
    /// guards is seen by neither. On PostgreSQL this needs the lock taken before BEGIN and REPEATABLE READ; at READ
    /// COMMITTED each statement would see the change as soon as it commits.
    /// </summary>
    [Fact]
    public async Task A_writer_reads_one_snapshot_so_a_row_changed_between_a_check_and_its_read_is_not_seen()
    {
        Assert.SkipWhen(Backend == StorageBackend.Sqlite, "SQLite's BEGIN IMMEDIATE keeps every other writer out until the transaction ends: the raw change could not run during it.");
        using var f = Fixture();
        await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, SubjectId.Parse("alice"), Ct);
        static Task<byte[]> RowAsync(Governance.Storage.IGovernanceSession s, CancellationToken ct) =>
            s.FindRecordsAsync("subjects", ["alice"], ct).ContinueWith(t => t.Result["alice"], ct, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);

        var (atCheck, atRead) = await f.Store.WriteAsync(async (s, ct) =>
        {
            var first = await RowAsync(s, ct);
            Assert.Equal(1, RawDatabase.Tamper(f, "UPDATE subjects SET registered_at = registered_at - 1 WHERE id = 'alice'"));
            return (first, await RowAsync(s, ct));
        }, Ct);

        Assert.Equal(atCheck, atRead);
        Assert.NotEqual(atCheck, await f.Store.ReadAsync(RowAsync, Ct));
    }

    [Fact]
    public async Task A_writer_that_dies_holding_the_write_lock_leaves_nothing_and_the_next_writer_goes_on()
    {
        using var f = Fixture();
        await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, SubjectId.Parse("before"), Ct);

        // Another process's writer: takes the database's write lock, writes half an append, then dies.
        var crashed = RawDatabase.Open(f);
        using (var begin = crashed.CreateCommand())
        {
            begin.CommandText = (Backend == StorageBackend.Postgres ? $"BEGIN; SELECT pg_advisory_xact_lock({Postgres.PostgresGovernanceStore.WriterLockKey});" : "BEGIN IMMEDIATE;")
                + "INSERT INTO ledger_entries (seq, recorded_at, actor, action, category) VALUES (1, 0, 'half', 2, 'face-image')";
            begin.ExecuteNonQuery();
        }

        // (Microsoft.Data.Sqlite waits for SQLite's lock synchronously, inside the call.)
        var waiting = Task.Run(() => f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, SubjectId.Parse("after"), Ct));
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        Assert.False(waiting.IsCompleted, "a writer ran while another held the write lock");

        if (Backend == StorageBackend.Postgres)
        {
            // As the server sees a crashed client: its connection ends, and PostgreSQL rolls back and releases the lock.
            var pid = ((Npgsql.NpgsqlConnection)crashed).ProcessID;
            using var admin = RawDatabase.Open(f);
            using var kill = admin.CreateCommand();
            kill.CommandText = $"SELECT pg_terminate_backend({pid})";
            kill.ExecuteNonQuery();
        }

        crashed.Dispose();
        Assert.True((await waiting.WaitAsync(TimeSpan.FromSeconds(60), Ct)).Succeeded);
        var report = await f.LedgerService.VerifyAsync(f.SigningKey.VerificationKey, null, Ct);
        Assert.True(report.Intact, string.Join("; ", report.Problems.Select(p => p.Kind)));
        Assert.Equal(2, report.EntryCount);
        Assert.DoesNotContain((await f.LedgerService.GetEntriesAsync(0, 10, Ct)).Value!, e => e.Event.Actor == "half");
    }

    /// <summary>Every schema version of this backend (SQLite's 5 marks a file moved by <c>migrate</c>; PostgreSQL has no such mark).</summary>
    private List<int> AllVersions => Backend == StorageBackend.Sqlite ? [1, 2, 3, 4, 5, 6] : [1, 2, 3, 4, 5];

    private static List<int> SchemaVersions(GovernanceFixture f)
    {
        using var connection = RawDatabase.Open(f);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT version FROM schema_migrations ORDER BY version";
        using var reader = command.ExecuteReader();
        var versions = new List<int>();
        while (reader.Read())
        {
            versions.Add(Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        }

        return versions;
    }
}
