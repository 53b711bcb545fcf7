using Npgsql;
using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Governance.Subjects;
using Obscura.TestSupport;

namespace Obscura.Storage.Tests;

/// <summary>
/// Review of <c>obscura migrate</c>'s crash recovery (running it again after an interrupted move): attacks on the
/// "already complete" check and on the mark that names the target.
/// </summary>
public sealed class AdversaryMigrateReviewTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly SubjectId Alice = SubjectId.Parse("alice");

    [Fact]
    public async Task A_rerun_is_not_reported_complete_when_the_named_target_holds_another_folders_rows_of_the_same_counts()
    {
        // Finding 1 of the migrate review: "already complete" compared row counts and the latest head only. Folder A's
        // move was interrupted after its mark (the target still empty); folder B was then moved into the same database.
        // Both hold one access-log row not yet committed to the ledger (no head on either side), so counts and heads
        // match: the rerun for A reported the move complete, A's row left only in its abandoned, write-refusing file.
        Assert.SkipWhen(PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1");
        using var a = await SourceWithAccessAsync("test:reader-a");
        using var b = await SourceWithAccessAsync("test:reader-b");
        using var target = new GovernanceFixture(StorageBackend.Postgres);
        await MarkAsInterruptedAsync(a, target);

        await DatabaseCopy.CopyAsync(b.Store, target.Store, Ct);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => DatabaseCopy.CopyAsync(a.Store, target.Store, Ct));
        Assert.Contains("changed since", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rerun_is_not_reported_complete_when_a_copied_row_was_changed_on_the_target()
    {
        // Finding 1, second form: the target's `subjects` rows (not append-only on PostgreSQL) changed after the copy,
        // same counts, same head. The check claims "the target holds exactly the file's rows".
        Assert.SkipWhen(PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1");
        using var source = new GovernanceFixture(StorageBackend.Sqlite);
        await source.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, Alice, Ct);
        using var target = new GovernanceFixture(StorageBackend.Postgres);
        await DatabaseCopy.CopyAsync(source.Store, target.Store, Ct);

        await using (var owner = new NpgsqlConnection(PostgresServer.Shared.ConnectionString(target.PostgresDatabase!)))
        {
            await owner.OpenAsync(Ct);
            await using var edit = new NpgsqlCommand("UPDATE subjects SET registered_at = registered_at + 1 WHERE id = 'alice'", owner);
            Assert.Equal(1, await edit.ExecuteNonQueryAsync(Ct));
        }

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => DatabaseCopy.CopyAsync(source.Store, target.Store, Ct));
        Assert.Contains("changed since", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_uri_that_leaves_user_and_database_to_the_environment_cannot_make_a_marked_file_copy_into_another_database()
    {
        // Finding 2 of the migrate review: the mark named the target by the URI's spelling (PostgresUri.Describe), not by
        // the database the server connected to. A URI without user and database gets both from PGUSER (or the login), so
        // the same text named two databases: after a finished move into one, a rerun under another PGUSER copied the file
        // again into the other ("resumed"), two live copies of the records, each taking its own writes.
        Assert.SkipWhen(PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1");
        var suffix = Guid.NewGuid().ToString("N")[..12];
        var (alpha, beta) = ("ra" + suffix, "rb" + suffix);
        await using (var admin = new NpgsqlConnection(PostgresServer.Shared.ConnectionString("postgres")))
        {
            await admin.OpenAsync(Ct);
            foreach (var sql in new[] { $"CREATE ROLE {alpha} LOGIN", $"CREATE ROLE {beta} LOGIN", $"CREATE DATABASE {alpha} OWNER {alpha}", $"CREATE DATABASE {beta} OWNER {beta}" })
            {
                await using var command = new NpgsqlCommand(sql, admin);
                await command.ExecuteNonQueryAsync(Ct);
            }
        }

        using var source = new GovernanceFixture(StorageBackend.Sqlite);
        await source.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, Alice, Ct);
        var uri = $"postgres:///?host={Uri.EscapeDataString(PostgresServer.Shared.SocketDirectory)}&port={PostgresServer.Shared.Port}";
        var previous = Environment.GetEnvironmentVariable("PGUSER");
        try
        {
            Environment.SetEnvironmentVariable("PGUSER", alpha);
            using var first = Postgres.PostgresGovernanceStore.Open(uri);
            await DatabaseCopy.CopyAsync(source.Store, first, Ct);

            Environment.SetEnvironmentVariable("PGUSER", beta);
            using var second = Postgres.PostgresGovernanceStore.Open(uri);
            Assert.NotEqual(first.Location, second.Location);
            var refused = await Assert.ThrowsAsync<DatabaseMovedException>(() => DatabaseCopy.CopyAsync(source.Store, second, Ct));
            Assert.Equal(first.Location, refused.MovedTo);
            Assert.Null(await second.ReadAsync((s, ct) => s.GetSubjectAsync(Alice, ct), Ct));
        }
        finally
        {
            Environment.SetEnvironmentVariable("PGUSER", previous);
        }
    }

    [Fact]
    public void A_password_cut_by_an_unencoded_separator_is_not_repeated_in_the_refusal()
    {
        // Finding 3 of the migrate review: `--to postgres://u@db/gov?password=hunter2&rest-of-it` (an `&` left unencoded
        // in the password) was refused with "The PostgreSQL URI parameter 'rest-of-it' is not supported", which migrate
        // prints to stderr: the password's tail in a message.
        var ex = Assert.Throws<ArgumentException>(() => Postgres.PostgresUri.Parse("postgres://u@db.example/gov?password=hunter2&s3cretTail"));
        Assert.DoesNotContain("s3cretTail", ex.Message, StringComparison.Ordinal);

        // A libpq parameter Obscura does not take is still named, so a typo or an unsupported setting is easy to find.
        var known = Assert.Throws<ArgumentException>(() => Postgres.PostgresUri.Parse("postgres://u@db.example/gov?sslrootcert=/etc/ca.pem"));
        Assert.Contains("'sslrootcert'", known.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_opened_on_the_target_of_an_interrupted_move_is_refused_until_migrate_finishes()
    {
        // The docs say "do not start a server on the target before migrate has succeeded"; nothing enforces it. The folder
        // knows: its SQLite file is marked moved to this very database, and the database is still empty.
        Assert.SkipWhen(PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1");
        using var dir = new TempDirectory();
        using (var folder = DataFolder.Open(dir.Path))
        {
            await new GovernanceService(folder.Store, new AuditLedger(folder.SigningKey, TimeProvider.System), TimeProvider.System)
                .RegisterSubjectAsync(GovernanceFixture.Admin, Alice, Ct);
        }

        using var target = new GovernanceFixture(StorageBackend.Postgres);
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dir.Path, "obscura.db")};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var tx = connection.BeginTransaction(deferred: false);
            await Sqlite.SqliteGovernanceStore.MarkMovedAsync(connection, tx, target.Store.Location, Ct);
            await tx.CommitAsync(Ct);
        }

        var refused = Assert.Throws<DatabaseMoveUnfinishedException>(() => DataFolder.Open(dir.Path, PostgresServer.Shared.Uri(target.PostgresDatabase!)).Dispose());
        Assert.Contains("obscura migrate", refused.Message, StringComparison.Ordinal);

        // Once migrate has finished the move, the same open is the normal way in.
        using (var source = DataFolder.OpenForMigration(dir.Path))
        {
            Assert.True((await DatabaseCopy.CopyAsync(source.Store, target.Store, Ct)).Resumed);
        }

        using var served = DataFolder.Open(dir.Path, PostgresServer.Shared.Uri(target.PostgresDatabase!));
        Assert.NotNull(await served.Store.ReadAsync((s, ct) => s.GetSubjectAsync(Alice, ct), Ct));
    }

    private static async Task<GovernanceFixture> SourceWithAccessAsync(string actor)
    {
        var source = new GovernanceFixture(StorageBackend.Sqlite);
        await source.Store.WriteAsync((s, ct) => s.AppendAccessAsync(DateTimeOffset.UnixEpoch, new AuditEvent(actor, AuditAction.Read, GovernanceCategories.SubjectRecord, Alice), ct), Ct);
        Assert.Null(await source.LedgerService.GetLatestHeadAsync(Ct));
        return source;
    }

    /// <summary>The state a move killed during its copy leaves: the file marked moved to <paramref name="target"/>, the target empty.</summary>
    private static async Task MarkAsInterruptedAsync(GovernanceFixture source, GovernanceFixture target)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={source.DatabasePath};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var tx = connection.BeginTransaction(deferred: false);
        await Sqlite.SqliteGovernanceStore.MarkMovedAsync(connection, tx, target.Store.Location, Ct);
        await tx.CommitAsync(Ct);
    }
}
