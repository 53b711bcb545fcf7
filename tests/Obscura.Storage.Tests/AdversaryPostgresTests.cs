using Npgsql;
using Obscura.Governance.Subjects;
using Obscura.Storage.Postgres;
using Obscura.TestSupport;

namespace Obscura.Storage.Tests;

/// <summary>
/// Attacks on the PostgreSQL backend that the backend-neutral suites do not make: another process's writer racing
/// <c>migrate</c>, settings smuggled through a connection URI, and a write committed to the SQLite source while it is
/// being copied.
/// </summary>
public sealed class AdversaryPostgresTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly SubjectId Alice = SubjectId.Parse("alice");

    [Fact]
    public async Task Migrating_into_a_database_another_process_is_filling_is_refused_inside_the_locked_copy()
    {
        Assert.SkipWhen(PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1");
        using var source = await SourceWithSubjectsAsync("alice");
        using var target = new GovernanceFixture(StorageBackend.Postgres);

        // Another process's writer holds the writer lock and has inserted a row it has not yet committed.
        await using var other = new NpgsqlConnection(PostgresServer.Shared.ConnectionString(target.PostgresDatabase!));
        await other.OpenAsync(Ct);
        await using var tx = await other.BeginTransactionAsync(Ct);
        await ExecuteAsync(other, tx, $"SELECT pg_advisory_xact_lock({PostgresGovernanceStore.WriterLockKey})");
        await ExecuteAsync(other, tx, "INSERT INTO subjects (id, registered_at) VALUES ('mallory', 0)");

        var copy = DatabaseCopy.CopyAsync(source.Store, target.Store, Ct);
        await WaitUntilBlockedAsync(target.PostgresDatabase!, copy);
        await tx.CommitAsync(Ct);

        // The emptiness check runs after the lock is granted, so it sees the other writer's commit.
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => copy);
        Assert.Contains("empty database", ex.Message, StringComparison.Ordinal);
        Assert.Null(await target.Store.ReadAsync((s, ct) => s.GetSubjectAsync(Alice, ct), Ct));
        Assert.Null(await target.LedgerService.GetLatestHeadAsync(Ct));

        // And the folder was not marked: it goes on serving.
        await source.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, SubjectId.Parse("bob"), Ct);
    }

    [Fact]
    public async Task A_write_racing_the_copy_lands_in_the_target_or_is_refused_and_never_only_in_the_abandoned_source()
    {
        // Finding 1 of the review: the copy read the SQLite source in a deferred (snapshot) transaction, so a server still
        // writing to the folder during `migrate` committed rows the copy never saw, and migrate reported identical heads.
        Assert.SkipWhen(PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1");
        using var source = await SourceWithSubjectsAsync("alice");
        using var target = new GovernanceFixture(StorageBackend.Postgres);
        await using var stall = await Stall.OnLastTableAsync(source, target);
        // A second handle on the same file, opened before the move, as another process would have: a writer racing the copy.
        using var otherProcess = Sqlite.SqliteGovernanceStore.Open(((Sqlite.SqliteGovernanceStore)source.Store).DatabasePath);
        var racing = new Obscura.Governance.GovernanceService(otherProcess, source.Ledger, source.Clock);

        var copy = DatabaseCopy.CopyAsync(source.Store, target.Store, Ct);
        await WaitUntilBlockedAsync(target.PostgresDatabase!, copy);

        Assert.False(copy.IsCompleted, copy.Exception?.ToString());
        var write = Task.Run(() => racing.RegisterSubjectAsync(GovernanceFixture.Admin, SubjectId.Parse("bob"), Ct), Ct);
        await Task.WhenAny(write, Task.Delay(TimeSpan.FromSeconds(2), Ct));
        Assert.False(write.IsCompletedSuccessfully, "a write committed to the source while the copy held it open");
        await stall.ReleaseAsync();
        var copied = await copy;

        // The racing write found the file marked moved (the mark commits, under the file's write lock, before any row is copied).
        var refused = await Assert.ThrowsAsync<DatabaseMovedException>(() => write);
        Assert.Contains(target.Store.Location, refused.Message, StringComparison.Ordinal);
        Assert.Null(await target.Store.ReadAsync((s, ct) => s.GetSubjectAsync(SubjectId.Parse("bob"), ct), Ct));
        var targetNow = (await target.LedgerService.GetLatestHeadAsync(Ct))!;
        Assert.Equal(copied.SourceHead!.TreeSize, targetNow.TreeSize);

        // Nothing reads or writes the abandoned file any more: not the handle that was open, not a new one.
        await Assert.ThrowsAsync<DatabaseMovedException>(() => source.Store.ReadAsync((s, ct) => s.GetSubjectAsync(Alice, ct), Ct));
        Assert.Throws<DatabaseMovedException>(() => Sqlite.SqliteGovernanceStore.Open(((Sqlite.SqliteGovernanceStore)source.Store).DatabasePath).Dispose());

        // And a second copy out of it is refused before touching the target.
        using var another = new GovernanceFixture(StorageBackend.Postgres);
        await Assert.ThrowsAsync<DatabaseMovedException>(() => DatabaseCopy.CopyAsync(source.Store, another.Store, Ct));
    }

    [Fact]
    public async Task A_process_that_does_not_check_the_mark_cannot_write_to_the_moved_file_either()
    {
        // Review finding M1: the mark was only checked by this build's own transactions (`Checked`). A server still running
        // a build from before schema version 5 (the usual case while upgrading to move), or any raw connection, keeps its
        // pooled connection open across the move and its writes landed in the abandoned file: a changed row, a new subject,
        // a ledger entry nobody would ever see. The move now also installs triggers that refuse every write in the file itself.
        Assert.SkipWhen(PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1");
        using var source = await SourceWithSubjectsAsync("alice");
        using var target = new GovernanceFixture(StorageBackend.Postgres);
        await using var oldBuild = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={source.DatabasePath};Pooling=False");
        await oldBuild.OpenAsync(Ct);

        await DatabaseCopy.CopyAsync(source.Store, target.Store, Ct);

        foreach (var sql in new[]
        {
            "INSERT INTO subjects (id, registered_at) VALUES ('mallory', 0)",
            "UPDATE subjects SET registered_at = 1",
            "INSERT INTO ledger_entries (seq, recorded_at, actor, action, category) VALUES (999, 0, 'x', 0, 'x')",
            "DELETE FROM subjects",
        })
        {
            await using var write = oldBuild.CreateCommand();
            write.CommandText = sql;
            var refused = await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => write.ExecuteNonQueryAsync(Ct));
            Assert.Contains("moved", refused.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Held_a_server_left_on_the_moved_folder_reports_itself_not_ready()
    {
        // A server whose folder was moved under it must fail its readiness probe (so a load balancer drains it), not
        // report ready while every request fails.
        Assert.SkipWhen(PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1");
        using var dir = new TempDirectory();
        using var folder = DataFolder.Open(dir.Path);
        await new Obscura.Governance.GovernanceService(folder.Store, new Obscura.Governance.Ledger.AuditLedger(folder.SigningKey, TimeProvider.System), TimeProvider.System)
            .RegisterSubjectAsync(GovernanceFixture.Admin, Alice, Ct);
        Assert.Equal("ok", (await folder.CheckReadinessAsync(Ct))["database"]);
        using var target = new GovernanceFixture(StorageBackend.Postgres);

        await DatabaseCopy.CopyAsync(folder.Store, target.Store, Ct);

        Assert.Equal("unavailable: " + nameof(DatabaseMovedException), (await folder.CheckReadinessAsync(Ct))["database"]);
    }

    [Fact]
    public async Task A_copy_whose_connection_drops_half_way_leaves_the_target_empty_the_folder_refusing_writes_and_a_retry_moves_everything()
    {
        Assert.SkipWhen(PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1");
        using var source = await SourceWithSubjectsAsync("alice", "bob");
        var sourceHead = (await source.LedgerService.GetLatestHeadAsync(Ct))!;
        using var target = new GovernanceFixture(StorageBackend.Postgres);

        // Stall the copy on its last table, every other table already inserted, then drop its connection from the server.
        await using var stall = await Stall.OnLastTableAsync(source, target);
        var copy = DatabaseCopy.CopyAsync(source.Store, target.Store, Ct);
        await WaitUntilBlockedAsync(target.PostgresDatabase!, copy);
        await using (var killer = new NpgsqlConnection(PostgresServer.Shared.ConnectionString(target.PostgresDatabase!)))
        {
            await killer.OpenAsync(Ct);
            await using var kill = new NpgsqlCommand("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", killer);
            Assert.Equal(1L, (long)(await kill.ExecuteScalarAsync(Ct))!);
        }

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => copy);
        await stall.ReleaseAsync();

        // Review finding M2: the folder was left unmarked here (its mark committed after the target), so a server still on
        // it wrote at once, and once the target had committed a retry was refused. The mark now commits first: nothing
        // writes to the folder, nothing reached the target, and the same call again finishes the move.
        Assert.Null(await target.Store.ReadAsync((s, ct) => s.GetSubjectAsync(Alice, ct), Ct));
        Assert.Null(await target.LedgerService.GetLatestHeadAsync(Ct));
        await Assert.ThrowsAsync<DatabaseMovedException>(() => source.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, SubjectId.Parse("carol"), Ct));
        var retry = await DatabaseCopy.CopyAsync(source.Store, target.Store, Ct);
        Assert.True(retry.Resumed);
        Assert.False(retry.AlreadyComplete);
        Assert.Equal(2L, retry.Rows["subjects"]);
        var report = await new Obscura.Governance.Ledger.LedgerService(target.Store, source.Ledger).VerifyAsync(source.SigningKey.VerificationKey, sourceHead, null, Ct);
        Assert.True(report.Intact, string.Join("; ", report.Problems.Select(p => p.Message)));
        Assert.Equal(sourceHead.TreeSize, report.EntryCount);
    }

    [Fact]
    public async Task A_copy_that_committed_before_the_crash_is_reported_complete_and_nothing_is_written_twice()
    {
        Assert.SkipWhen(PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1");
        using var source = await SourceWithSubjectsAsync("alice", "bob");
        using var target = new GovernanceFixture(StorageBackend.Postgres);
        var first = await DatabaseCopy.CopyAsync(source.Store, target.Store, Ct);
        Assert.False(first.Resumed);
        var head = (await target.LedgerService.GetLatestHeadAsync(Ct))!;

        // As after a crash between the target's commit and the command's report: the same call again.
        var again = await DatabaseCopy.CopyAsync(source.Store, target.Store, Ct);
        Assert.True(again.AlreadyComplete);
        Assert.Equal(first.Rows, again.Rows);
        Assert.Equal(Convert.ToHexString(head.RootHash), Convert.ToHexString((await target.LedgerService.GetLatestHeadAsync(Ct))!.RootHash));
        Assert.Equal(2L, await CountAsync(target.PostgresDatabase!, "subjects"));

        // Once the target has taken its own writes, the file is not "already copied" any more: refused, nothing written.
        await new Obscura.Governance.GovernanceService(target.Store, source.Ledger, source.Clock).RegisterSubjectAsync(GovernanceFixture.Admin, SubjectId.Parse("carol"), Ct);
        var changed = await Assert.ThrowsAsync<InvalidOperationException>(() => DatabaseCopy.CopyAsync(source.Store, target.Store, Ct));
        Assert.Contains("changed since", changed.Message, StringComparison.Ordinal);
        Assert.Equal(3L, await CountAsync(target.PostgresDatabase!, "subjects"));
    }

    [Fact]
    public async Task A_marked_file_is_copied_only_into_the_database_it_names()
    {
        Assert.SkipWhen(PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1");
        using var source = await SourceWithSubjectsAsync("alice");
        using var target = new GovernanceFixture(StorageBackend.Postgres);
        using var elsewhere = new GovernanceFixture(StorageBackend.Postgres);
        await DatabaseCopy.CopyAsync(source.Store, target.Store, Ct);

        var refused = await Assert.ThrowsAsync<DatabaseMovedException>(() => DatabaseCopy.CopyAsync(source.Store, elsewhere.Store, Ct));
        Assert.Equal(target.Store.Location, refused.MovedTo);
        Assert.Equal(0L, await CountAsync(elsewhere.PostgresDatabase!, "subjects"));
    }

    [Fact]
    public async Task An_owner_who_rewrites_the_append_only_trigger_function_and_edits_history_is_caught_by_verify()
    {
        Assert.SkipWhen(PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1");
        using var f = new GovernanceFixture(StorageBackend.Postgres);
        await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, Alice, Ct);
        await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, SubjectId.Parse("bob"), Ct);
        Assert.True((await f.LedgerService.VerifyAsync(f.SigningKey.VerificationKey, null, null, Ct)).Intact);

        // No session_replication_role: the triggers still fire, but their function now lets every change through.
        await using var owner = new NpgsqlConnection(PostgresServer.Shared.ConnectionString(f.PostgresDatabase!));
        await owner.OpenAsync(Ct);
        await using (var replace = new NpgsqlCommand("CREATE OR REPLACE FUNCTION obscura_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$", owner))
        {
            await replace.ExecuteNonQueryAsync(Ct);
        }

        await using (var edit = new NpgsqlCommand("UPDATE ledger_entries SET actor = 'test:nobody' WHERE seq = (SELECT MIN(seq) FROM ledger_entries)", owner))
        {
            Assert.Equal(1, await edit.ExecuteNonQueryAsync(Ct));
        }

        var report = await f.LedgerService.VerifyAsync(f.SigningKey.VerificationKey, null, null, Ct);
        Assert.False(report.Intact);
    }

    [Fact]
    public void A_password_or_database_name_cannot_smuggle_connection_settings()
    {
        var encoded = PostgresUri.Parse("postgres://u:x%3BHost%3Devil%3BPassword%3Dy@db.example/gov%3BHost%3Devil");
        var raw = PostgresUri.Parse("postgres://u:p;Host=evil;Port=1@db.example:5433/gov");
        foreach (var (b, password, database, port) in new[] { (encoded, "x;Host=evil;Password=y", "gov;Host=evil", 5432), (raw, "p;Host=evil;Port=1", "gov", 5433) })
        {
            // Through the connection string the data source is built from, as Npgsql reads it back.
            var effective = new NpgsqlConnectionStringBuilder(b.ConnectionString);
            Assert.Equal(("db.example", port, "u", password, database), (effective.Host, effective.Port, effective.Username, effective.Password, effective.Database));
            Assert.DoesNotContain(password, PostgresUri.Describe(b), StringComparison.Ordinal);
        }

        // Npgsql settings that are not libpq URI parameters (options could set session_replication_role) are refused.
        Assert.Throws<ArgumentException>(() => PostgresUri.Parse("postgres://db/gov?Options=-c%20session_replication_role%3Dreplica"));
        Assert.Throws<ArgumentException>(() => PostgresUri.Parse("postgres://db/gov?options=-c%20session_replication_role%3Dreplica"));
    }

    [Fact]
    public void A_failed_open_names_neither_the_password_nor_leaks_it_into_the_location()
    {
        Assert.SkipWhen(PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1");
        var uri = PostgresServer.Shared.Uri("no_such_database_" + Guid.NewGuid().ToString("N")).Replace("@/", ":hunter2secret@/", StringComparison.Ordinal);
        var ex = Assert.ThrowsAny<NpgsqlException>(() => PostgresGovernanceStore.Open(uri));
        Assert.DoesNotContain("hunter2secret", ex.ToString(), StringComparison.Ordinal);

        var name = PostgresServer.Shared.CreateDatabase();
        using var store = PostgresGovernanceStore.Open(PostgresServer.Shared.Uri(name).Replace("@/", ":hunter2secret@/", StringComparison.Ordinal));
        Assert.DoesNotContain("hunter2secret", store.Location, StringComparison.Ordinal);
    }

    private static async Task<GovernanceFixture> SourceWithSubjectsAsync(params string[] subjects)
    {
        var source = new GovernanceFixture(StorageBackend.Sqlite);
        foreach (var subject in subjects)
        {
            await source.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, SubjectId.Parse(subject), Ct);
        }

        return source;
    }

    private static async Task<long> CountAsync(string database, string table)
    {
        await using var connection = new NpgsqlConnection(PostgresServer.Shared.ConnectionString(database));
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand($"SELECT COUNT(*) FROM {table}", connection);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(Ct);
    }

    /// <summary>Waits until a session on <paramref name="database"/> waits for a lock (true), or <paramref name="work"/> ends or 60 s pass (false).</summary>
    private static async Task<bool> WaitUntilBlockedAsync(string database, Task work)
    {
        await using var watcher = new NpgsqlConnection(PostgresServer.Shared.ConnectionString(database));
        await watcher.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", watcher);
        for (var i = 0; i < 1200 && !work.IsCompleted; i++)
        {
            if ((long)(await command.ExecuteScalarAsync(Ct))! > 0)
            {
                return true;
            }

            await Task.Delay(50, Ct);
        }

        return false;
    }

    /// <summary>
    /// Another session's uncommitted row in <c>ledger_heads</c> with the key of the source's latest head: a copy that
    /// reaches its last table waits on it, after its source snapshot is taken and every other table is inserted.
    /// </summary>
    private sealed class Stall(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public static async Task<Stall> OnLastTableAsync(GovernanceFixture source, GovernanceFixture target)
        {
            var head = (await source.LedgerService.GetLatestHeadAsync(Ct))!;
            var connection = new NpgsqlConnection(PostgresServer.Shared.ConnectionString(target.PostgresDatabase!));
            await connection.OpenAsync(Ct);
            var transaction = await connection.BeginTransactionAsync(Ct);
            await ExecuteAsync(connection, transaction, $"INSERT INTO ledger_heads (tree_size, root, signed_at, key_id, signature) VALUES ({head.TreeSize}, '\\x00', 0, 'x', '\\x00')");
            return new Stall(connection, transaction);
        }

        public Task ReleaseAsync() => transaction.RollbackAsync(Ct);

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
