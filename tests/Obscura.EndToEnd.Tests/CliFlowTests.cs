using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Cli;
using Obscura.Governance.Access;
using Obscura.Governance.Purposes;
using Obscura.Governance.Serialization;
using Obscura.TestSupport;

namespace Obscura.EndToEnd.Tests;

public sealed class CliFlowTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string Data => Path.Combine(_dir.Path, "data");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Local_flow_from_init_to_a_verified_ledger()
    {
        var init = await Cli.RunAsync("--data", Data, "init");
        Assert.Equal(ExitCodes.Success, init.Code);
        Assert.True(File.Exists(Path.Combine(Data, "bootstrap-admin.key")));

        foreach (var p in new[] { SamplePurposes.IdentityVerification, SamplePurposes.ModelTraining })
        {
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "purposes", "register", "--file", WriteJson(p))).Code);
        }

        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "subjects", "register", "--id", "alice")).Code);
        var give = await Cli.RunAsync("--data", Data, "consent", "give", "--subject", "alice", "--purpose", "identity-verification", "--notice-version", "v3", "--channel", "app", "--explicit");
        Assert.Equal(ExitCodes.Success, give.Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "decide", "--subject", "alice", "--purpose", "identity-verification")).Code);

        var denied = await Cli.RunAsync("--data", Data, "decide", "--subject", "alice", "--purpose", "model-training", "--collected-for", "identity-verification");
        Assert.Equal(ExitCodes.Refused, denied.Code);
        Assert.Contains("ReuseNotAssessed", denied.Out, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "assessments", "record", "--file", WriteJson(SamplePurposes.TrainingReuseAssessment))).Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "decide", "--subject", "alice", "--purpose", "model-training", "--collected-for", "identity-verification")).Code);

        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "consent", "withdraw", "--subject", "alice", "--purpose", "identity-verification")).Code);
        var afterWithdrawal = await Cli.RunAsync("--data", Data, "decide", "--subject", "alice", "--purpose", "identity-verification");
        Assert.Equal(ExitCodes.Refused, afterWithdrawal.Code);
        Assert.Contains("ConsentWithdrawn", afterWithdrawal.Out, StringComparison.Ordinal);

        var markdown = await Cli.RunAsync("--data", Data, "records", "export", "--format", "markdown");
        Assert.Contains("# Records of processing activities (GDPR Art. 30)", markdown.Out, StringComparison.Ordinal);
        Assert.Contains("from `identity-verification`: Compatible", markdown.Out, StringComparison.Ordinal);

        // The bootstrap key, two purposes, the subject, consent, the assessment and the withdrawal: each commits its row.
        var verify = await Cli.RunAsync("--data", Data, "ledger", "verify");
        Assert.Equal(ExitCodes.Success, verify.Code);
        Assert.Equal(7, JsonDocument.Parse(verify.Out).RootElement.GetProperty("entryCount").GetInt64());
        Assert.Equal(7, JsonDocument.Parse(verify.Out).RootElement.GetProperty("recordsChecked").GetInt64());

        var proof = await Cli.RunAsync("--data", Data, "ledger", "prove-inclusion", "--leaf-index", "1");
        Assert.Equal(ExitCodes.Success, proof.Code);
        Assert.Equal(3, JsonDocument.Parse(proof.Out).RootElement.GetProperty("path").GetArrayLength());

        // Registration, consent, withdrawal; the read of the history goes to the access log, not to a ledger entry.
        var history = await Cli.RunAsync("--data", Data, "ledger", "subject", "--subject", "alice");
        Assert.Equal(3, JsonDocument.Parse(history.Out).RootElement.GetArrayLength());
        Assert.Equal(7, JsonDocument.Parse((await Cli.RunAsync("--data", Data, "ledger", "head")).Out).RootElement.GetProperty("treeSize").GetInt64());
        var reads = JsonDocument.Parse((await Cli.RunAsync("--data", Data, "ledger", "accesses", "--subject", "alice")).Out).RootElement;
        Assert.Equal("db:ledger", reads[0].GetProperty("event").GetProperty("from").GetString());
    }

    [Fact]
    public async Task Verify_exits_3_after_tampering_and_with_a_foreign_key()
    {
        await Cli.RunAsync("--data", Data, "subjects", "register", "--id", "bob");
        await Cli.RunAsync("--data", Data, "subjects", "register", "--id", "carol");
        var pem = Path.Combine(_dir.Path, "foreign.pub.pem");
        using (var foreign = Governance.Ledger.LedgerSigningKey.Generate())
        {
            await File.WriteAllTextAsync(pem, foreign.VerificationKey.ExportPem());
        }

        Assert.Equal(ExitCodes.LedgerNotIntact, (await Cli.RunAsync("--data", Data, "ledger", "verify", "--public-key", pem)).Code);

        var ownKey = Path.Combine(_dir.Path, "own.pub.pem");
        File.Copy(Path.Combine(Data, "keys", "ledger-signing.pub.pem"), ownKey);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "ledger", "verify", "--public-key", ownKey)).Code);

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(Data, "obscura.db")};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "DROP TRIGGER ledger_entries_no_update; UPDATE ledger_entries SET subject = 'mallory' WHERE seq = 0;";
            cmd.ExecuteNonQuery();
        }

        var tampered = await Cli.RunAsync("--data", Data, "ledger", "verify");
        Assert.Equal(ExitCodes.LedgerNotIntact, tampered.Code);
        Assert.Contains("EntriesDoNotMatchSignedHead", tampered.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_is_reported_with_the_field_and_a_nonzero_exit()
    {
        var badId = await Cli.RunAsync("--data", Data, "subjects", "register", "--id", "not valid");
        Assert.Equal(ExitCodes.Usage, badId.Code);
        Assert.Contains("not a valid value for --id", badId.Err, StringComparison.Ordinal);

        var file = Path.Combine(_dir.Path, "bad.json");
        await File.WriteAllTextAsync(file, """{"id":"x-purpose","lawfulBasis":"Whim"}""");
        var badJson = await Cli.RunAsync("--data", Data, "purposes", "register", "--file", file);
        Assert.Equal(ExitCodes.Refused, badJson.Code);
        Assert.Contains("lawfulBasis", badJson.Err, StringComparison.Ordinal);

        var prohibited = await Cli.RunAsync("--data", Data, "purposes", "register", "--file", WriteJson(SamplePurposes.StoreAnalytics with { Practices = [ProcessingPractice.SocialScoring] }));
        Assert.Equal(ExitCodes.Refused, prohibited.Code);
        Assert.Contains("Art. 5(1)(c)", prohibited.Err, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync("--data", Data, "--server", "http://127.0.0.1:1", "apikey", "list")).Code);

        var missing = await Cli.RunAsync("--data", Data, "purposes", "register", "--file", Path.Combine(_dir.Path, "absent.json"));
        Assert.Equal(ExitCodes.Usage, missing.Code);
        Assert.Contains("absent.json", missing.Err, StringComparison.Ordinal);

        var unreachable = await Cli.RunAsync("--server", $"http://127.0.0.1:{Built.FreePort()}", "--api-key", "obk_x_y", "ledger", "head");
        Assert.Equal(ExitCodes.ServerUnavailable, unreachable.Code);
    }

    [Fact]
    public async Task Remote_flow_through_the_server_gives_the_same_results_and_enforces_roles()
    {
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("Obscura:DataDirectory", Data));
        var keys = factory.Services.GetRequiredService<ApiKeys>();
        var controller = (await keys.CreateAsync("ops", Role.Controller, null, CancellationToken.None)).Value.Key;
        var processor = (await keys.CreateAsync("vendor", Role.Processor, null, CancellationToken.None)).Value.Key;
        var handler = factory.Server.CreateHandler();
        string[] As(string key, params string[] args) => ["--server", "http://localhost", "--api-key", key, .. args];

        var register = await Cli.RunAsync(handler, As(controller, "purposes", "register", "--file", WriteJson(SamplePurposes.StoreAnalytics)));
        Assert.True(register.Code == ExitCodes.Success, register.Err);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(handler, As(controller, "subjects", "register", "--id", "dave"))).Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(handler, As(processor, "decide", "--subject", "dave", "--purpose", "store-analytics"))).Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(handler, As(controller, "consent", "object", "--subject", "dave", "--purpose", "store-analytics"))).Code);
        var denied = await Cli.RunAsync(handler, As(processor, "decide", "--subject", "dave", "--purpose", "store-analytics"));
        Assert.Equal(ExitCodes.Refused, denied.Code);
        Assert.Contains("Objected", denied.Out, StringComparison.Ordinal);

        var forbidden = await Cli.RunAsync(handler, As(processor, "ledger", "subject", "--subject", "dave"));
        Assert.Equal(ExitCodes.ServerUnavailable, forbidden.Code);

        var verify = await Cli.RunAsync(handler, As(controller, "ledger", "verify"));
        Assert.Equal(ExitCodes.Success, verify.Code);
        Assert.True(JsonDocument.Parse(verify.Out).RootElement.GetProperty("intact").GetBoolean());

        var records = await Cli.RunAsync(handler, As(controller, "records", "export", "--format", "markdown"));
        Assert.Contains("Insight Labs Inc. (US)", records.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cutting_the_ledger_back_after_a_saved_head_is_detected_against_that_head()
    {
        await RegisterLocallyAsync("a1", "a2", "a3", "a4", "a5");
        var headFile = Path.Combine(_dir.Path, "head.json");
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "ledger", "head", "--out", headFile)).Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "ledger", "verify", "--against-head", headFile)).Code);

        // The last two registrations vanish with their rows, entries, heads and subtree hashes.
        CutBack(keep: 3, "DELETE FROM subjects WHERE id IN ('a4', 'a5');");
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "ledger", "verify")).Code);

        var against = await Cli.RunAsync("--data", Data, "ledger", "verify", "--against-head", headFile);
        Assert.Equal(ExitCodes.LedgerNotIntact, against.Code);
        Assert.Contains("cut back", against.Out + against.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rewritten_tail_signed_with_the_ledgers_own_key_is_detected_as_a_fork_of_a_saved_head()
    {
        await RegisterLocallyAsync("b1", "b2", "b3", "b4", "b5");
        var headFile = Path.Combine(_dir.Path, "head.json");
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "ledger", "head", "--out", headFile)).Code);

        // Cut back to three entries, then grow past the saved size again with the key from the data folder.
        CutBack(keep: 3, "DELETE FROM subjects WHERE id IN ('b4', 'b5');");
        await RegisterLocallyAsync("b6", "b7", "b8");

        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "ledger", "verify")).Code);
        var against = await Cli.RunAsync("--data", Data, "ledger", "verify", "--against-head", headFile);
        Assert.Equal(ExitCodes.LedgerNotIntact, against.Code);
        Assert.Contains("fork", against.Out + against.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Through_the_server_the_client_itself_detects_a_cut_back_below_its_saved_head()
    {
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("Obscura:DataDirectory", Data));
        var auditor = (await factory.Services.GetRequiredService<ApiKeys>().CreateAsync("audit", Role.Auditor, null, CancellationToken.None)).Value.Key;
        var controller = (await factory.Services.GetRequiredService<ApiKeys>().CreateAsync("ops", Role.Controller, null, CancellationToken.None)).Value.Key;
        var handler = factory.Server.CreateHandler();
        string[] As(string key, params string[] args) => ["--server", "http://localhost", "--api-key", key, .. args];
        foreach (var id in new[] { "c1", "c2", "c3" })
        {
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(handler, As(controller, "subjects", "register", "--id", id))).Code);
        }

        var headFile = Path.Combine(_dir.Path, "remote-head.json");
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(handler, As(auditor, "ledger", "head", "--out", headFile))).Code);
        var pem = Path.Combine(_dir.Path, "ledger.pub.pem");
        File.Copy(Path.Combine(Data, "keys", "ledger-signing.pub.pem"), pem);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(handler, As(controller, "subjects", "register", "--id", "c4"))).Code);
        var fine = await Cli.RunAsync(handler, As(auditor, "ledger", "verify", "--against-head", headFile, "--public-key", pem));
        Assert.True(fine.Code == ExitCodes.Success, fine.Out + fine.Err);

        CutBack(keep: 3, "DELETE FROM subjects WHERE id IN ('c3', 'c4');");
        var cut = await Cli.RunAsync(handler, As(auditor, "ledger", "verify", "--against-head", headFile, "--public-key", pem));
        Assert.Equal(ExitCodes.LedgerNotIntact, cut.Code);
        Assert.Contains("CutBackBelowWitnessedHead", cut.Out, StringComparison.Ordinal);

        // Without --public-key the server's key is only trusted if it signed the saved head; a swapped key is refused.
        using var other = Governance.Ledger.LedgerSigningKey.Generate();
        var forged = JsonSerializer.Deserialize<Governance.Ledger.SignedTreeHead>(await File.ReadAllTextAsync(headFile), GovernanceJson.Options)!;
        var foreignHead = Path.Combine(_dir.Path, "foreign-head.json");
        await File.WriteAllTextAsync(foreignHead, JsonSerializer.Serialize(other.Sign(forged.TreeSize, forged.RootHash, forged.Timestamp), GovernanceJson.Options));
        var foreign = await Cli.RunAsync(handler, As(auditor, "ledger", "verify", "--against-head", foreignHead));
        Assert.Equal(ExitCodes.LedgerNotIntact, foreign.Code);
        Assert.Contains("WitnessedHeadNotAuthentic", foreign.Out, StringComparison.Ordinal);
    }

    private async Task RegisterLocallyAsync(params string[] ids)
    {
        foreach (var id in ids)
        {
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "subjects", "register", "--id", id)).Code);
        }
    }

    /// <summary>Removes every ledger entry from <paramref name="keep"/> on, with the heads and subtree hashes that cover them, as an attacker with the file would.</summary>
    private void CutBack(int keep, string alsoSql)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(Data, "obscura.db")};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT group_concat('DROP TRIGGER \"' || name || '\";', '') FROM sqlite_master WHERE type = 'trigger'";
        var drop = cmd.ExecuteScalar() as string ?? string.Empty;
        cmd.CommandText = drop + $"""
            DELETE FROM ledger_entries WHERE seq >= {keep};
            DELETE FROM ledger_heads WHERE tree_size > {keep};
            DELETE FROM ledger_nodes WHERE (idx + 1) * (1 << level) > {keep};
            {alsoSql}
            """;
        cmd.ExecuteNonQuery();
    }

    private string WriteJson<T>(T value)
    {
        var path = Path.Combine(_dir.Path, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, JsonSerializer.Serialize(value, GovernanceJson.Indented));
        return path;
    }
}
