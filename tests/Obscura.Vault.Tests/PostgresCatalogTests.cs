using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Governance.Subjects;
using Obscura.Storage.Postgres;
using Obscura.TestSupport;

namespace Obscura.Vault.Tests;

/// <summary>
/// The vault's catalogue in PostgreSQL: two vaults (as two server processes, each with its own connections) writing into
/// one database at once, and the binding between a vault folder and the catalogue that indexes its blobs.
/// </summary>
public sealed class PostgresCatalogTests : IAsyncLifetime
{
    private VaultFixture _f = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private DateTimeOffset Now => _f.Governance.Clock.GetUtcNow();

    public async ValueTask InitializeAsync() => _f = await VaultFixture.CreateAsync(StorageBackend.Postgres);

    public ValueTask DisposeAsync() => _f.DisposeAsync();

    [Fact]
    public async Task Two_vaults_on_one_database_writing_at_once_lose_nothing_and_duplicate_nothing()
    {
        const int PerVault = 12;
        var subjects = new List<SubjectId>();
        for (var i = 0; i < 2 * PerVault; i++)
        {
            subjects.Add(await _f.ConsentingSubjectAsync());
        }

        // The second "process": its own governance store and connection pool, its own ledger writer, the same folder.
        using var store = (PostgresGovernanceStore)_f.Governance.OpenStore();
        var ledger = new AuditLedger(_f.Governance.SigningKey, _f.Governance.Clock);
        var governance = new GovernanceService(store, ledger, _f.Governance.Clock);
        using var second = await TrainingDataVault.OpenAsync(
            _f.Folder, new VaultOptions { PostgresCatalog = store.DataSource, PostgresCatalogLocation = store.Location }, governance, new AuditTrail(store, ledger), _f.Governance.Clock, Ct);
        var vaults = new[] { _f.Vault, second };

        // Each vault records policy versions (each the next number, computed inside its write) and ingests, all at once.
        var work = Enumerable.Range(0, 2 * PerVault).Select(i => Task.Run(async () =>
        {
            var vault = vaults[i % 2];
            var policy = await vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 0.5, [], null, $"Version written by vault {i % 2}, call {i}.", "dpo", Ct);
            Assert.True(policy.Succeeded, policy.Error?.Message);
            var stored = await vault.IngestAsync(VaultFixture.Actor, VaultFixture.Image(subjects[i], Now, seed: i), Ct);
            Assert.True(stored.Succeeded, stored.Error?.Message);
            return (policy.Value.Version, stored.Value.Id);
        }, Ct)).ToArray();
        var results = await Task.WhenAll(work);

        Assert.Equal(Enumerable.Range(1, 2 * PerVault), results.Select(r => r.Version).Order());
        Assert.Equal(Enumerable.Range(1, 2 * PerVault), _f.Vault.Policies(VaultFixture.Training).Select(p => p.Version));
        Assert.Equal(2 * PerVault, second.Report().Stored.Single().Objects);
        foreach (var (_, id) in results)
        {
            Assert.True((await second.ReadAsync(VaultFixture.Actor, id, VaultFixture.Verification, Ct)).Succeeded);
            Assert.True((await _f.Vault.ReadAsync(VaultFixture.Actor, id, VaultFixture.Verification, Ct)).Succeeded);
        }

        var entries = (await _f.Governance.LedgerService.GetEntriesAsync(0, 1000, Ct)).Value!.Select(e => e.Event).ToArray();
        Assert.Equal(2 * PerVault, entries.Count(e => e.DataCategory.Value == "minimisation-policy"));
        Assert.Equal(2 * PerVault, entries.Count(e => e.Action == AuditAction.Create && e.To == "vault:objects"));
        Assert.True((await _f.Governance.LedgerService.VerifyAsync(null, null, Ct)).Intact);
        var check = await second.CheckAsync(Ct);
        Assert.True(check.Consistent, string.Join("; ", check.Problems));
        Assert.Equal(2 * PerVault, check.Readable);
    }

    [Fact]
    public async Task A_second_vault_folder_on_the_same_database_is_refused_and_the_first_folders_data_is_untouched()
    {
        var subject = await _f.ConsentingSubjectAsync();
        var stored = await _f.IngestAsync(VaultFixture.Image(subject, Now));

        // A second server given the same database but its own (empty) data folder: its recovery would take the shared
        // catalogue's rows for its own and roll back or report the first folder's work.
        using var other = new TempDirectory();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TrainingDataVault.OpenAsync(
            Path.Combine(other.Path, "vault"), _f.Options, _f.Governance.Governance, new AuditTrail(_f.Governance.Store, _f.Governance.Ledger), _f.Governance.Clock, Ct));
        Assert.Contains("same vault folder", error.Message, StringComparison.Ordinal);

        Assert.True((await _f.Vault.ReadAsync(VaultFixture.Actor, stored.Id, VaultFixture.Verification, Ct)).Succeeded);
        Assert.True((await _f.Vault.CheckAsync(Ct)).Consistent);
    }

    [Fact]
    public async Task A_folder_whose_catalogue_is_in_postgres_is_refused_on_sqlite_and_keeps_its_blobs()
    {
        var subject = await _f.ConsentingSubjectAsync();
        var stored = await _f.IngestAsync(VaultFixture.Image(subject, Now));
        _f.Vault.Dispose();
        var blobs = Directory.GetFiles(Path.Combine(_f.Folder, "objects"), "*.obj", SearchOption.AllDirectories);
        Assert.Single(blobs);

        // The same folder opened without --database: an empty vault.db would make every blob "a file without a catalogue entry".
        await Assert.ThrowsAsync<InvalidOperationException>(() => TrainingDataVault.OpenAsync(
            _f.Folder, _f.Governance.Governance, new AuditTrail(_f.Governance.Store, _f.Governance.Ledger), _f.Governance.Clock, Ct));

        Assert.Equal(blobs, Directory.GetFiles(Path.Combine(_f.Folder, "objects"), "*.obj", SearchOption.AllDirectories));
        Assert.False(File.Exists(Path.Combine(_f.Folder, "vault.db")));
        await _f.ReopenAfterRestoreAsync();
        Assert.True((await _f.Vault.ReadAsync(VaultFixture.Actor, stored.Id, VaultFixture.Verification, Ct)).Succeeded);
    }

    [Fact]
    public async Task A_folder_that_keeps_its_catalogue_in_vault_db_is_refused_on_postgres_and_keeps_its_blobs()
    {
        await using var sqlite = await VaultFixture.CreateAsync();
        var subject = await sqlite.ConsentingSubjectAsync();
        var stored = await sqlite.IngestAsync(VaultFixture.Image(subject, sqlite.Governance.Clock.GetUtcNow()));
        sqlite.Vault.Dispose();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TrainingDataVault.OpenAsync(
            sqlite.Folder, _f.Options, _f.Governance.Governance, new AuditTrail(_f.Governance.Store, _f.Governance.Ledger), _f.Governance.Clock, Ct));
        Assert.Contains("vault.db", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(sqlite.Folder, VaultCatalogMarker)));

        await sqlite.ReopenAfterRestoreAsync();
        Assert.True((await sqlite.Vault.ReadAsync(VaultFixture.Actor, stored.Id, VaultFixture.Verification, Ct)).Succeeded);
    }

    [Fact]
    public async Task Catalogue_tables_are_created_once_when_vaults_open_together_and_reopening_migrates_nothing()
    {
        using var store = (PostgresGovernanceStore)_f.Governance.OpenStore();
        var options = new VaultOptions { PostgresCatalog = store.DataSource, PostgresCatalogLocation = store.Location };
        var opened = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => TrainingDataVault.OpenAsync(
            _f.Folder, options, _f.Governance.Governance, new AuditTrail(store, _f.Governance.Ledger), _f.Governance.Clock, Ct)));
        foreach (var vault in opened)
        {
            vault.Dispose();
        }

        await using var connection = await store.DataSource.OpenConnectionAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT string_agg(version::text, ',' ORDER BY version) FROM vault_schema_migrations";
        Assert.Equal(Internal.VaultCatalog.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), await command.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task Migrate_moves_vault_db_into_postgres_finishes_an_interrupted_move_and_the_vault_goes_on_there_unchanged()
    {
        await using var sqlite = await VaultFixture.CreateAsync();
        var now = sqlite.Governance.Clock.GetUtcNow();
        var subjects = new List<SubjectId>();
        var objects = new List<VaultObject>();
        for (var i = 0; i < 3; i++)
        {
            subjects.Add(await sqlite.ConsentingSubjectAsync());
            objects.Add(await sqlite.IngestAsync(VaultFixture.Image(subjects[i], now, seed: i)));
        }

        Assert.True((await sqlite.Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 1.0, [], null, "All records are needed for this test.", "dpo", ["payload", "subject"], Ct)).Succeeded);
        Assert.True((await sqlite.Vault.ExportAsync(VaultFixture.Actor, new TrainingExportRequest("moved", VaultFixture.Training, ["payload", "subject"]), null, Ct)).Succeeded);
        Assert.True((await sqlite.Vault.ShredSubjectAsync(VaultFixture.Actor, subjects[0], "erasure", Ct)).Succeeded);
        var before = System.Text.Json.JsonSerializer.Serialize(new { report = sqlite.Vault.Report(), policies = sqlite.Vault.Policies() });
        sqlite.Vault.Dispose();

        var database = PostgresServer.Shared.CreateDatabase();
        try
        {
            using var source = Npgsql.NpgsqlDataSource.Create(PostgresServer.Shared.ConnectionString(database));
            var options = new VaultOptions { PostgresCatalog = source, PostgresCatalogLocation = "the test database" };
            Task<TrainingDataVault> OpenOnPostgres() => TrainingDataVault.OpenAsync(
                sqlite.Folder, options, sqlite.Governance.Governance, new AuditTrail(sqlite.Governance.Store, sqlite.Governance.Ledger), sqlite.Governance.Clock, Ct);

            // A move interrupted after its mark and before its commit: neither backend opens the folder.
            var marker = Path.Combine(sqlite.Folder, VaultCatalogMarker);
            await File.WriteAllTextAsync(marker, new string('7', 32) + "\n", Ct);
            await Assert.ThrowsAsync<InvalidOperationException>(sqlite.OpenAsync);
            Assert.Contains("migrate again", (await Assert.ThrowsAsync<InvalidOperationException>(OpenOnPostgres)).Message, StringComparison.Ordinal);

            var moved = TrainingDataVault.MoveCatalogToPostgres(sqlite.Folder, source, "the test database");
            Assert.NotNull(moved);
            Assert.False(moved.AlreadyComplete);
            Assert.Equal(2, moved.Rows["objects"]);
            Assert.Equal(1, moved.Rows["exports"]);
            Assert.Equal(1, moved.Rows["policies"]);
            await Assert.ThrowsAsync<InvalidOperationException>(sqlite.OpenAsync); // the file is left for the record, and opened nowhere

            using (var vault = await OpenOnPostgres())
            {
                Assert.Equal(before, System.Text.Json.JsonSerializer.Serialize(new { report = vault.Report(), policies = vault.Policies() }));
                Assert.True((await vault.ReadAsync(VaultFixture.Actor, objects[1].Id, VaultFixture.Verification, Ct)).Succeeded);
                Assert.False((await vault.ReadAsync(VaultFixture.Actor, objects[0].Id, VaultFixture.Verification, Ct)).Succeeded);
                var check = await vault.CheckAsync(Ct);
                Assert.True(check.Consistent, string.Join("; ", check.Problems));

                // It goes on there: an erasure (a new outbox entry after the copied ones) removes the subject from the export.
                Assert.True((await vault.ShredSubjectAsync(VaultFixture.Actor, subjects[1], "erasure", Ct)).Succeeded);
                Assert.Equal(1, vault.Exports().Single().Records);
                Assert.False((await vault.ReadAsync(VaultFixture.Actor, objects[1].Id, VaultFixture.Verification, Ct)).Succeeded);
                Assert.True((await vault.ReadAsync(VaultFixture.Actor, objects[2].Id, VaultFixture.Verification, Ct)).Succeeded);
            }

            // Running the move again writes nothing: the catalogue has taken writes since, so it is refused.
            Assert.Contains("nothing left to move", Assert.Throws<InvalidOperationException>(() => TrainingDataVault.MoveCatalogToPostgres(sqlite.Folder, source, "the test database")).Message, StringComparison.Ordinal);
        }
        finally
        {
            PostgresServer.Shared.DropDatabase(database);
        }
    }

    [Fact]
    public async Task A_move_that_committed_is_reported_complete_when_run_again_and_writes_nothing()
    {
        await using var sqlite = await VaultFixture.CreateAsync();
        var subject = await sqlite.ConsentingSubjectAsync();
        await sqlite.IngestAsync(VaultFixture.Image(subject, sqlite.Governance.Clock.GetUtcNow()));
        sqlite.Vault.Dispose();
        var database = PostgresServer.Shared.CreateDatabase();
        try
        {
            using var source = Npgsql.NpgsqlDataSource.Create(PostgresServer.Shared.ConnectionString(database));
            var first = TrainingDataVault.MoveCatalogToPostgres(sqlite.Folder, source, "db")!;
            var second = TrainingDataVault.MoveCatalogToPostgres(sqlite.Folder, source, "db")!;
            Assert.False(first.AlreadyComplete);
            Assert.True(second.AlreadyComplete);
            Assert.Equal(first.Rows, second.Rows);

            // Another folder's vault.db is not moved into a database that holds this folder's catalogue.
            await using var other = await VaultFixture.CreateAsync();
            other.Vault.Dispose();
            Assert.Contains("another vault folder", Assert.Throws<InvalidOperationException>(() => TrainingDataVault.MoveCatalogToPostgres(other.Folder, source, "db")).Message, StringComparison.Ordinal);
        }
        finally
        {
            PostgresServer.Shared.DropDatabase(database);
        }
    }

    private const string VaultCatalogMarker = Internal.VaultCatalog.PostgresMarkerFileName;
}
