using System.Text.Json;
using Obscura.Cli;
using Obscura.Governance.Serialization;
using Obscura.TestSupport;

namespace Obscura.EndToEnd.Tests;

/// <summary><c>obscura minimise features</c> on the committed German Credit data.</summary>
public sealed class MinimiseCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Credit => Path.Combine(AppContext.BaseDirectory, "data", "tabular", "credit-g.arff");

    private string Data => Path.Combine(_dir.Path, "data");

    [Fact]
    public async Task The_smallest_feature_set_is_printed_with_its_vault_fields_and_recorded_in_the_ledger_under_the_purpose()
    {
        var (code, stdout, stderr) = await Cli.RunAsync("--data", Data, "minimise", "features", "--data-file", Credit, "--target", "class", "--min-accuracy", "0.75", "--purpose", "credit-scoring");

        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("+ ", stderr, StringComparison.Ordinal);
        using var report = JsonDocument.Parse(stdout);
        var root = report.RootElement;
        var chosen = root.GetProperty("chosen").GetProperty("features").EnumerateArray().Select(f => f.GetString()!).ToList();
        Assert.True(root.GetProperty("chosen").GetProperty("accuracy").GetDouble() >= 0.75);
        Assert.Equal(20, root.GetProperty("allFeatures").GetProperty("count").GetInt32());
        Assert.Equal(chosen.Select(f => "label:" + f), root.GetProperty("allowedFields").EnumerateArray().Select(f => f.GetString()));
        Assert.Contains("age", root.GetProperty("dropped").EnumerateArray().Select(f => f.GetString()));

        var ledger = await Cli.RunAsync("--data", Data, "ledger", "entries");
        using var entries = JsonDocument.Parse(ledger.Out);
        var entry = Assert.Single(entries.RootElement.EnumerateArray()).GetProperty("event");
        Assert.Equal("credit-scoring", entry.GetProperty("purpose").GetString());
        Assert.Equal("minimisation:features", entry.GetProperty("to").GetString());
        Assert.StartsWith("sha256:", entry.GetProperty("reference").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_chosen_features_become_the_vault_policy_and_an_export_of_a_dropped_feature_is_refused()
    {
        var minimise = await Cli.RunAsync("minimise", "features", "--data-file", Credit, "--target", "class", "--min-accuracy", "0.75");
        Assert.True(minimise.Code == ExitCodes.Success, minimise.Err);
        var allowed = JsonDocument.Parse(minimise.Out).RootElement.GetProperty("allowedFields").EnumerateArray().Select(f => f.GetString()!).ToList();
        Assert.DoesNotContain("label:age", allowed);

        foreach (var purpose in new[] { SamplePurposes.IdentityVerification, SamplePurposes.ModelTraining })
        {
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "purposes", "register", "--file", Write(purpose.Id + ".json", JsonSerializer.Serialize(purpose, GovernanceJson.Indented)))).Code);
        }

        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "assessments", "record", "--file", Write("assessment.json", JsonSerializer.Serialize(SamplePurposes.TrainingReuseAssessment, GovernanceJson.Indented)))).Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "subjects", "register", "--id", "applicant-1")).Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "consent", "give", "--subject", "applicant-1", "--purpose", "identity-verification", "--notice-version", "v1", "--channel", "desk", "--explicit")).Code);
        var ingest = await Cli.RunAsync("--data", Data, "vault", "ingest", "--subject", "applicant-1", "--purpose", "identity-verification", "--file", Write("record.bin", "x"), "--source", "branch-1", "--label", "age=67", "--label", "credit_history=critical");
        Assert.True(ingest.Code == ExitCodes.Success, ingest.Err);

        var policy = await Cli.RunAsync("--data", Data, "vault", "policy", "set", "--purpose", "model-training", "--fraction", "1", "--justification", "Credit scoring needs only the features minimise chose.", "--approved-by", "dpo", "--allowed-fields", string.Join(',', allowed));
        Assert.True(policy.Code == ExitCodes.Success, policy.Err);
        var dropped = await Cli.RunAsync("--data", Data, "vault", "export", "--run", "credit-1", "--purpose", "model-training", "--fields", "label:credit_history,label:age");
        Assert.Equal(ExitCodes.Refused, dropped.Code);
        Assert.Contains("label:age", dropped.Out + dropped.Err, StringComparison.Ordinal);
        var kept = await Cli.RunAsync("--data", Data, "vault", "export", "--run", "credit-2", "--purpose", "model-training", "--fields", "label:credit_history");
        Assert.True(kept.Code == ExitCodes.Success, kept.Err);
    }

    [Fact]
    public async Task An_unreachable_accuracy_exits_2_and_bad_input_exits_1()
    {
        var unreachable = await Cli.RunAsync("minimise", "features", "--data-file", Credit, "--target", "class", "--min-accuracy", "0.95");
        Assert.Equal(ExitCodes.Refused, unreachable.Code);
        Assert.Contains("No feature set reached", unreachable.Err, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(unreachable.Out).RootElement.GetProperty("chosen").ValueKind);

        var notArff = Path.Combine(_dir.Path, "x.arff");
        await File.WriteAllTextAsync(notArff, "name,age\nx,3\n", TestContext.Current.CancellationToken);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync("minimise", "features", "--data-file", notArff, "--target", "class", "--min-accuracy", "0.7")).Code);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync("minimise", "features", "--data-file", Credit, "--target", "age", "--min-accuracy", "0.7")).Code);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync("minimise", "features", "--data-file", Credit, "--target", "class", "--min-accuracy", "1.5")).Code);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync("minimise", "features", "--data-file", Path.Combine(_dir.Path, "missing.arff"), "--target", "class", "--min-accuracy", "0.7")).Code);
        Assert.False(Directory.Exists(Data));
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, content);
        return path;
    }
}
