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

    private const string VaultCatalogMarker = Internal.VaultCatalog.PostgresMarkerFileName;
}
