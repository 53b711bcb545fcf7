using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.Governance.Serialization;
using Obscura.Governance.Subjects;
using Obscura.Server.Hosting;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// Decisions are checked against the head in the witness folder: a database restored from a copy taken before a
/// consent was withdrawn (a backup, a snapshot) holds only genuine, signed entries, so every other check passes; only
/// the witnessed head, kept outside the database, shows that the ledger was rolled back. This class's server is
/// damaged on purpose and serves no other test.
/// </summary>
public sealed class WitnessedReadTests(WitnessTests.FolderWitnessed server) : IClassFixture<WitnessTests.FolderWitnessed>
{
    private const string Consent = """{"purpose":"identity-verification","noticeVersion":"n1","explicit":true,"channel":"app"}""";

    [Fact]
    public async Task A_database_restored_from_a_copy_taken_before_a_withdrawal_decides_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var controller = server.As(Role.Controller);
        using var processor = server.As(Role.Processor);
        var witness = server.Services.GetRequiredService<LedgerWitness>();
        Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.IdentityVerification), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/subjects", Json.Raw("""{"id":"rb-1"}"""), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync("/v1/subjects/rb-1/consents", Json.Raw(Consent), ct)).StatusCode);
        Assert.Empty(await ReasonsAsync(processor, ct));

        // The copy an attacker (or a careless restore) brings back later, taken while the consent stood.
        using var backupFolder = new TempDirectory();
        var backup = Path.Combine(backupFolder.Path, "before-withdrawal.db");
        Sql($"VACUUM INTO '{backup}'");

        Assert.Equal(HttpStatusCode.OK, (await controller.DeleteAsync("/v1/subjects/rb-1/consents/identity-verification", ct)).StatusCode);
        Assert.NotEmpty(await ReasonsAsync(processor, ct));
        Assert.True(await witness.PublishAsync(ct));

        SqliteConnection.ClearAllPools();
        var database = Path.Combine(server.DataDirectory, "obscura.db");
        File.Copy(backup, database, overwrite: true);
        File.Delete(database + "-wal");
        File.Delete(database + "-shm");

        // Every row and entry in the copy is genuine and signed; the witnessed head is what it does not extend. Keys
        // are checked against the ledger like consent, so no key authenticates; the decision itself is refused too.
        Assert.Equal(HttpStatusCode.Unauthorized, (await processor.GetAsync("/v1/decisions?subject=rb-1&purpose=identity-verification", ct)).StatusCode);
        var decision = await server.Services.GetRequiredService<GovernanceService>().AuthorizeAsync(SubjectId.Parse("rb-1"), SamplePurposes.IdentityVerification.Id, null, ct);
        Assert.Equal([DenialReason.RecordNotCommitted], decision.Reasons);
        await Assert.ThrowsAsync<InvalidOperationException>(() => server.Services.GetRequiredService<GovernanceService>().RegisterSubjectAsync(Actor.Parse("test:admin"), SubjectId.Parse("rb-2"), ct));
    }

    [Fact]
    public void The_head_in_the_witness_folder_is_loaded_before_the_first_request_and_a_foreign_or_unreadable_head_stops_the_server()
    {
        using var folder = new TempDirectory();
        using var key = LedgerSigningKey.Generate();
        using var other = LedgerSigningKey.Generate();
        var options = new WitnessOptions { Folder = folder.Path };
        var ledger = new AuditLedger(key, TimeProvider.System);

        LedgerWitness.LoadWitnessedHead(ledger, options, NullLogger<LedgerWitness>.Instance);
        Assert.Null(ledger.WitnessedHead);

        var foreign = other.Sign(5, new byte[32], DateTimeOffset.UnixEpoch);
        File.WriteAllText(Path.Combine(folder.Path, LedgerWitness.FileName), JsonSerializer.Serialize(foreign, GovernanceJson.Options));
        Assert.Throws<InvalidOperationException>(() => LedgerWitness.LoadWitnessedHead(ledger, options, NullLogger<LedgerWitness>.Instance));
        Assert.Null(ledger.WitnessedHead);
        File.WriteAllText(Path.Combine(folder.Path, LedgerWitness.FileName), "{ not json");
        Assert.Throws<InvalidOperationException>(() => LedgerWitness.LoadWitnessedHead(ledger, options, NullLogger<LedgerWitness>.Instance));

        var ours = key.Sign(7, new byte[32], DateTimeOffset.UnixEpoch);
        File.WriteAllText(Path.Combine(folder.Path, LedgerWitness.FileName), JsonSerializer.Serialize(ours, GovernanceJson.Options));
        LedgerWitness.LoadWitnessedHead(ledger, options, NullLogger<LedgerWitness>.Instance);
        Assert.Equal(7, ledger.WitnessedHead?.TreeSize);
    }

    private static async Task<List<string>> ReasonsAsync(HttpClient processor, CancellationToken ct)
    {
        using var document = JsonDocument.Parse(await processor.GetStringAsync("/v1/decisions?subject=rb-1&purpose=identity-verification", ct));
        return [.. document.RootElement.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!)];
    }

    private void Sql(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "obscura.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
