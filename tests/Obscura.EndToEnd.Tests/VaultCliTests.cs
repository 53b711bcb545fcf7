using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Cli;
using Obscura.Governance.Access;
using Obscura.Governance.Serialization;
using Obscura.TestSupport;

namespace Obscura.EndToEnd.Tests;

/// <summary><c>obscura vault</c> and <c>obscura retention run</c> on a data folder, including a killed ingest.</summary>
public sealed class VaultCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string Data => Path.Combine(_dir.Path, "data");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Ingest_read_policy_export_close_shred_and_retention_work_from_the_command_line()
    {
        await SetUpAsync(subjects: 4);
        var image = Write("face.jpg", new byte[5000]);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var ingest = await Cli.RunAsync("--data", Data, "vault", "ingest", "--subject", $"s{i}", "--purpose", "identity-verification", "--file", image, "--source", "branch-1", "--label", "site=oslo");
            Assert.True(ingest.Code == ExitCodes.Success, ingest.Err);
            ids.Add(JsonDocument.Parse(ingest.Out).RootElement.GetProperty("id").GetString()!);
        }

        var refused = await Cli.RunAsync("--data", Data, "vault", "ingest", "--subject", "nobody", "--purpose", "identity-verification", "--file", image, "--source", "branch-1");
        Assert.Equal(ExitCodes.Refused, refused.Code);
        var copy = Path.Combine(_dir.Path, "copy.jpg");
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "vault", "read", "--id", ids[0], "--purpose", "model-training", "--out", copy)).Code);
        Assert.Equal(5000, new FileInfo(copy).Length);

        Assert.Equal(ExitCodes.Refused, (await Cli.RunAsync("--data", Data, "vault", "policy", "set", "--purpose", "model-training", "--fraction", "0.5", "--justification", "short", "--approved-by", "dpo")).Code);
        var policy = await Cli.RunAsync("--data", Data, "vault", "policy", "set", "--purpose", "model-training", "--fraction", "0.5", "--stratify", "site", "--justification", "Half of the records suffice for the smoke run.", "--approved-by", "dpo");
        Assert.True(policy.Code == ExitCodes.Success, policy.Err);
        var export = await Cli.RunAsync("--data", Data, "vault", "export", "--run", "smoke-1", "--purpose", "model-training", "--fields", "payload,label:site");
        Assert.True(export.Code == ExitCodes.Success, export.Err);
        Assert.Equal(2, JsonDocument.Parse(export.Out).RootElement.GetProperty("records").GetInt32());
        Assert.True(File.Exists(Path.Combine(Data, "vault", "exports", "smoke-1", "manifest.json")));
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "vault", "close-run", "--run", "smoke-1")).Code);

        var shred = await Cli.RunAsync("--data", Data, "vault", "shred", "--subject", "s1", "--reason", "erasure");
        Assert.True(shred.Code == ExitCodes.Success, shred.Err);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "consent", "withdraw", "--subject", "s2", "--purpose", "identity-verification")).Code);
        var retention = await Cli.RunAsync("--data", Data, "retention", "run");
        Assert.True(retention.Code == ExitCodes.Success, retention.Err);
        Assert.Equal(1, JsonDocument.Parse(retention.Out).RootElement.GetProperty("withdrawnObjects").GetInt32());

        var report = JsonDocument.Parse((await Cli.RunAsync("--data", Data, "vault", "report")).Out).RootElement;
        Assert.Equal(2, report.GetProperty("stored")[0].GetProperty("objects").GetInt32());
        Assert.Equal(4, report.GetProperty("training")[0].GetProperty("eligible").GetInt32());
        Assert.Contains(report.GetProperty("deletions").EnumerateArray(), d => d.GetProperty("reason").GetString() == "erasure:key-destroyed");
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "vault", "check")).Code);

        // The same folder through the server: the same report, and the controller-only commands need a controller key.
        await using (var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("Obscura:DataDirectory", Data)))
        {
            var keys = factory.Services.GetRequiredService<ApiKeys>();
            var auditorKey = (await keys.CreateAsync("audit", Role.Auditor, null, CancellationToken.None)).Value.Key;
            var controllerKey = (await keys.CreateAsync("ops", Role.Controller, null, CancellationToken.None)).Value.Key;
            var handler = factory.Server.CreateHandler();
            string[] As(string key, params string[] args) => ["--server", "http://localhost", "--api-key", key, .. args];
            var remote = await Cli.RunAsync(handler, As(auditorKey, "vault", "report"));
            Assert.True(remote.Code == ExitCodes.Success, remote.Err);
            Assert.Equal(2, JsonDocument.Parse(remote.Out).RootElement.GetProperty("stored")[0].GetProperty("objects").GetInt32());
            Assert.Equal(ExitCodes.ServerUnavailable, (await Cli.RunAsync(handler, As(auditorKey, "retention", "run"))).Code); // 403: the key is refused
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(handler, As(controllerKey, "retention", "run"))).Code);
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(handler, As(controllerKey, "vault", "select", "--purpose", "model-training"))).Code);
        }

        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "ledger", "verify")).Code);
    }

    [Fact]
    public async Task Killing_the_process_mid_ingest_leaves_a_consistent_vault_and_an_intact_ledger()
    {
        await SetUpAsync(subjects: 1);
        var lines = new List<string>();
        for (var i = 0; i < 400; i++)
        {
            var blob = new byte[100 * 1024];
            new Random(i).NextBytes(blob);
            lines.Add($"s0,identity-verification,{Path.GetFileName(Write($"img-{i}.bin", blob))},camera-{i % 3},site=oslo");
        }

        var manifest = Write("manifest.csv", System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines)));
        var storedBefore = 0;
        foreach (var delayMs in new[] { 0, 3, 11 })
        {
            using var child = Built.Start(Built.CliDll, "--data", Data, "vault", "ingest-batch", "--manifest", manifest);
            string? line;
            while ((line = await child.StandardError.ReadLineAsync(TestContext.Current.CancellationToken)) is not null && !line.StartsWith("stored 50/", StringComparison.Ordinal))
            {
            }

            Assert.NotNull(line);
            await Task.Delay(delayMs, TestContext.Current.CancellationToken);
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync(TestContext.Current.CancellationToken);

            // The next open recovers: no torn file, no half-finished ingest, every stored blob decrypts.
            var check = await Cli.RunAsync("--data", Data, "vault", "check");
            Assert.True(check.Code == ExitCodes.Success, check.Out + check.Err);
            var objects = JsonDocument.Parse(check.Out).RootElement.GetProperty("objects").GetInt32();
            Assert.InRange(objects, storedBefore + 50, storedBefore + 399);
            storedBefore = objects;
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(Data, "vault", "objects"), "*.tmp", SearchOption.AllDirectories));
            Assert.Equal(objects, Directory.EnumerateFiles(Path.Combine(Data, "vault", "objects"), "*.obj", SearchOption.AllDirectories).Count());
        }

        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "ledger", "verify")).Code);
    }

    [Fact]
    public async Task A_policy_with_allowed_fields_limits_what_exports_may_contain_locally_and_through_the_server()
    {
        await SetUpAsync(subjects: 2);
        var image = Write("face.jpg", new byte[300]);
        for (var i = 0; i < 2; i++)
        {
            var ingest = await Cli.RunAsync("--data", Data, "vault", "ingest", "--subject", $"s{i}", "--purpose", "identity-verification", "--file", image, "--source", "branch-1", "--label", "site=oslo", "--label", "age=18-30");
            Assert.True(ingest.Code == ExitCodes.Success, ingest.Err);
        }

        string[] Policy(params string[] more) => ["--data", Data, "vault", "policy", "set", "--purpose", "model-training", "--fraction", "1", "--justification", "Both records are needed for the age-drift run.", "--approved-by", "dpo", .. more];
        Assert.Equal(ExitCodes.Refused, (await Cli.RunAsync(Policy("--allowed-fields", "payload,face-embedding"))).Code);
        var set = await Cli.RunAsync(Policy("--allowed-fields", "payload, label:age,payload"));
        Assert.True(set.Code == ExitCodes.Success, set.Err);
        var list = JsonDocument.Parse((await Cli.RunAsync("--data", Data, "vault", "policy", "list")).Out).RootElement;
        Assert.Equal(["payload", "label:age"], list[0].GetProperty("allowedFields").EnumerateArray().Select(f => f.GetString()));

        var refused = await Cli.RunAsync("--data", Data, "vault", "export", "--run", "age-1", "--purpose", "model-training", "--fields", "payload,label:site");
        Assert.Equal(ExitCodes.Refused, refused.Code);
        Assert.Contains("label:site", refused.Out + refused.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Data, "vault", "exports", "age-1")));
        var export = await Cli.RunAsync("--data", Data, "vault", "export", "--run", "age-1", "--purpose", "model-training", "--fields", "payload,label:age");
        Assert.True(export.Code == ExitCodes.Success, export.Err);
        Assert.Equal(2, JsonDocument.Parse(export.Out).RootElement.GetProperty("records").GetInt32());

        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("Obscura:DataDirectory", Data));
        var controllerKey = (await factory.Services.GetRequiredService<ApiKeys>().CreateAsync("ops", Role.Controller, null, CancellationToken.None)).Value.Key;
        var handler = factory.Server.CreateHandler();
        string[] Remote(string[] args) => ["--server", "http://localhost", "--api-key", controllerKey, .. args.Where((_, i) => i > 1)];
        var remoteSet = await Cli.RunAsync(handler, Remote(Policy("--allowed-fields", "label:site")));
        Assert.True(remoteSet.Code == ExitCodes.Success, remoteSet.Err);
        Assert.Equal(["label:site"], JsonDocument.Parse(remoteSet.Out).RootElement.GetProperty("allowedFields").EnumerateArray().Select(f => f.GetString()));
        var remoteList = JsonDocument.Parse((await Cli.RunAsync(handler, Remote(["--data", Data, "vault", "policy", "list"]))).Out).RootElement;
        Assert.Equal(2, remoteList.GetArrayLength());
        Assert.Equal(["label:site"], remoteList[1].GetProperty("allowedFields").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(ExitCodes.Refused, (await Cli.RunAsync(handler, Remote(["--data", Data, "vault", "export", "--run", "age-2", "--purpose", "model-training", "--fields", "payload"]))).Code);
    }

    private async Task SetUpAsync(int subjects)
    {
        foreach (var purpose in new[] { SamplePurposes.IdentityVerification, SamplePurposes.ModelTraining })
        {
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "purposes", "register", "--file", Write(purpose.Id + ".json", JsonSerializer.SerializeToUtf8Bytes(purpose, GovernanceJson.Indented)))).Code);
        }

        var assessment = SamplePurposes.TrainingReuseAssessment;
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "assessments", "record", "--file", Write("assessment.json", JsonSerializer.SerializeToUtf8Bytes(assessment, GovernanceJson.Indented)))).Code);
        for (var i = 0; i < subjects; i++)
        {
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "subjects", "register", "--id", $"s{i}")).Code);
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "consent", "give", "--subject", $"s{i}", "--purpose", "identity-verification", "--notice-version", "v1", "--channel", "desk", "--explicit")).Code);
        }
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
