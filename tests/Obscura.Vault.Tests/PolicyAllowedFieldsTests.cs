using System.Text.Json;
using Microsoft.Data.Sqlite;
using Obscura.Governance;
using Obscura.TestSupport;
using Obscura.Vault.Internal;

namespace Obscura.Vault.Tests;

/// <summary>A minimisation policy that names the fields its exports may contain, and the catalogue migration that stores it.</summary>
public sealed class PolicyAllowedFieldsTests : IAsyncLifetime
{
    private const string Justification = "Age-stratified drift check needs these records.";

    /// <summary>The catalogue schema of version 2, as it was created before <c>policies.allowed_fields</c> existed.</summary>
    internal const string SchemaVersion2 = """
        CREATE TABLE objects(id TEXT PRIMARY KEY, subject TEXT NOT NULL, purpose TEXT NOT NULL, collected_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL, source TEXT NOT NULL, content_type TEXT NOT NULL, category TEXT NOT NULL, labels TEXT NOT NULL,
            size INTEGER NOT NULL, key_id TEXT NOT NULL, writer TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'stored')));
        CREATE INDEX objects_subject ON objects(subject);
        CREATE INDEX objects_expiry ON objects(expires_at);
        CREATE INDEX objects_pending ON objects(state, writer);
        CREATE TABLE data_keys(key_id TEXT PRIMARY KEY, subject TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
        CREATE TABLE retired_keys(key_id TEXT PRIMARY KEY, owner TEXT NOT NULL, retired_at INTEGER NOT NULL, destroyed INTEGER NOT NULL);
        CREATE TABLE policies(purpose TEXT NOT NULL, version INTEGER NOT NULL, fraction REAL NOT NULL, strata TEXT NOT NULL,
            max_records INTEGER, justification TEXT NOT NULL, approved_by TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY(purpose, version));
        CREATE TABLE selections(purpose TEXT NOT NULL, version INTEGER NOT NULL, selected_at INTEGER NOT NULL, eligible INTEGER NOT NULL,
            object_ids TEXT NOT NULL, subjects TEXT NOT NULL, PRIMARY KEY(purpose, version));
        CREATE TABLE exports(run TEXT PRIMARY KEY, purpose TEXT NOT NULL, policy_version INTEGER NOT NULL, fields TEXT NOT NULL,
            pseudonym_key_id TEXT, pseudonymised INTEGER NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, scratch_deadline INTEGER NOT NULL,
            records INTEGER NOT NULL, writer TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'open', 'closed', 'deleted')));
        CREATE TABLE export_members(run TEXT NOT NULL, object_id TEXT NOT NULL, subject TEXT NOT NULL, record_id TEXT NOT NULL);
        CREATE INDEX export_members_subject ON export_members(subject);
        CREATE TABLE deletions(at INTEGER NOT NULL, reason TEXT NOT NULL, subject TEXT NOT NULL, purpose TEXT, object_id TEXT, bytes INTEGER NOT NULL);
        CREATE INDEX deletions_object ON deletions(object_id);
        CREATE INDEX export_members_run ON export_members(run, object_id);
        CREATE TABLE outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, writer TEXT NOT NULL, events TEXT NOT NULL);
        PRAGMA user_version = 2;
        """;

    private VaultFixture _f = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TrainingDataVault Vault => _f.Vault;

    private DateTimeOffset Now => _f.Governance.Clock.GetUtcNow();

    public async ValueTask InitializeAsync() => _f = await VaultFixture.CreateAsync();

    public ValueTask DisposeAsync() => _f.DisposeAsync();

    [Fact]
    public async Task A_policy_with_allowed_fields_round_trips_without_duplicates_across_a_restart()
    {
        var set = await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 1.0, [], null, Justification, "dpo", ["payload", "label:age", "payload"], Ct);
        Assert.True(set.Succeeded, set.Error?.Message);
        Assert.Equal(["payload", "label:age"], set.Value.AllowedFields);
        var unrestricted = await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 1.0, [], null, Justification, "dpo", Ct);
        Assert.Null(unrestricted.Value!.AllowedFields);

        await _f.ReopenAsync();
        var policies = Vault.Policies(VaultFixture.Training);
        Assert.Equal(["payload", "label:age"], policies[0].AllowedFields);
        Assert.Null(policies[1].AllowedFields);
        Assert.Contains("\"AllowedFields\":[\"payload\",\"label:age\"]", JsonSerializer.Serialize(policies[0]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("face-embedding")]
    [InlineData("label:")]
    [InlineData("label:Age Group")]
    [InlineData("Payload")]
    [InlineData("")]
    public async Task A_field_that_is_not_an_export_field_is_invalid_and_no_version_is_recorded(string field)
    {
        var set = await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 1.0, [], null, Justification, "dpo", ["payload", field], Ct);
        Assert.Equal(GovernanceErrorKind.Invalid, set.Error?.Kind);
        Assert.Equal("allowedFields", set.Error?.Field);
        Assert.Empty(Vault.Policies(VaultFixture.Training));
    }

    [Fact]
    public async Task An_empty_list_of_allowed_fields_is_invalid()
    {
        var set = await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 1.0, [], null, Justification, "dpo", [], Ct);
        Assert.Equal(("allowedFields", GovernanceErrorKind.Invalid), (set.Error?.Field, set.Error?.Kind));
        Assert.Empty(Vault.Policies(VaultFixture.Training));
    }

    [Fact]
    public async Task An_export_naming_a_field_the_policy_does_not_allow_is_refused_and_writes_nothing()
    {
        await IngestAsync(4);
        Assert.True((await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 1.0, [], null, Justification, "dpo", ["payload", "label:age"], Ct)).Succeeded);
        var ledgerBefore = await LedgerCountAsync();

        var refused = await Vault.ExportAsync(VaultFixture.Actor, new TrainingExportRequest("run-x", VaultFixture.Training, ["payload", "label:site", "subject"]), null, Ct);

        Assert.Equal(GovernanceErrorKind.Refused, refused.Error?.Kind);
        Assert.Equal("fields", refused.Error?.Field);
        Assert.Contains("version 1", refused.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("label:site, subject", refused.Error.Message, StringComparison.Ordinal);
        Assert.Empty(Vault.Exports());
        Assert.False(Directory.Exists(Path.Combine(Vault.ExportsFolder, "run-x")));
        Assert.False(Directory.Exists(Vault.ScratchFolder("run-x")));
        Assert.Equal(ledgerBefore, await LedgerCountAsync());
        Assert.Empty(Vault.Report().Training); // refused before a selection was recorded

        // The run name was never reserved: an allowed export takes it.
        var allowed = await Vault.ExportAsync(VaultFixture.Actor, new TrainingExportRequest("run-x", VaultFixture.Training, ["label:age"]), null, Ct);
        Assert.True(allowed.Succeeded, allowed.Error?.Message);
    }

    [Fact]
    public async Task An_export_of_allowed_fields_works_as_before_and_a_later_unrestricted_version_lifts_the_restriction()
    {
        await IngestAsync(4);
        Assert.True((await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 1.0, [], null, Justification, "dpo", ["payload", "label:age"], Ct)).Succeeded);

        var export = await Vault.ExportAsync(VaultFixture.Actor, new TrainingExportRequest("run-a", VaultFixture.Training, ["payload", "label:age"]), null, Ct);

        Assert.True(export.Succeeded, export.Error?.Message);
        Assert.Equal((4, 1), (export.Value.Records, export.Value.PolicyVersion));
        foreach (var line in await File.ReadAllLinesAsync(Path.Combine(Vault.ExportsFolder, "run-a", "records.jsonl"), Ct))
        {
            using var record = JsonDocument.Parse(line);
            Assert.Equal(["id", "label:age", "payload"], record.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        }

        Assert.True((await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 1.0, [], null, Justification, "dpo", Ct)).Succeeded);
        var later = await Vault.ExportAsync(VaultFixture.Actor, new TrainingExportRequest("run-b", VaultFixture.Training, ["label:site"]), null, Ct);
        Assert.True(later.Succeeded, later.Error?.Message);
        Assert.Equal(2, later.Value.PolicyVersion);
    }

    [Fact]
    public void A_version_2_catalogue_is_migrated_and_its_policies_read_back_with_no_allowed_fields()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "vault.db");
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = SchemaVersion2 + """
                INSERT INTO policies VALUES ('model-training', 1, 0.25, '["site"]', 12, 'Written before allowed fields existed.', 'dpo', 1760000000000);
                """;
            command.ExecuteNonQuery();
        }

        using (var catalog = VaultCatalog.Open(path))
        {
            var old = Assert.Single(catalog.Policies(null));
            Assert.Equal((1, 0.25, 12, "dpo"), (old.Version, old.Fraction, old.MaxRecords, old.ApprovedBy));
            Assert.Equal(["site"], old.StratifyBy);
            Assert.Null(old.AllowedFields);
            catalog.InsertPolicy(old.Purpose, v => old with { Version = v, AllowedFields = ["payload"] }, new string('a', 32), p => VaultLedger.PolicyRecorded(VaultFixture.Actor, p));
        }

        using var reopened = VaultCatalog.Open(path); // opens again at the new version without migrating twice
        Assert.Equal([null, ["payload"]], reopened.Policies(null).Select(p => p.AllowedFields));
        Assert.Equal(VaultCatalog.SchemaVersion, UserVersion(path));
    }

    [Fact]
    public void A_catalogue_of_a_later_schema_is_refused()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "vault.db");
        VaultCatalog.Open(path).Dispose();
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA user_version = {VaultCatalog.SchemaVersion + 1}";
            command.ExecuteNonQuery();
        }

        var refused = Assert.Throws<InvalidDataException>(() => VaultCatalog.Open(path));
        Assert.Contains("later version", refused.Message, StringComparison.Ordinal);
    }

    private static long UserVersion(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return (long)command.ExecuteScalar()!;
    }

    private async Task IngestAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var subject = await _f.ConsentingSubjectAsync();
            var image = VaultFixture.Image(subject, Now, seed: i);
            await _f.IngestAsync(image with { Labels = new Dictionary<string, string>(image.Labels!) { ["age"] = i % 2 == 0 ? "18-30" : "31-50" } });
        }
    }

    private async Task<int> LedgerCountAsync() =>
        (await _f.Governance.LedgerService.GetEntriesAsync(0, 1000, Ct)).Value!.Count;
}
