using System.Text.Json;
using Obscura.Cli;
using Obscura.ModelPrivacy.Serving;
using Obscura.TestSupport;

namespace Obscura.EndToEnd.Tests;

/// <summary><c>obscura train --out</c> then <c>obscura classifier register|list|policy|alerts</c> on one data folder.</summary>
public sealed class ClassifierCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Data => Path.Combine(_dir.Path, "data");

    [Fact]
    public async Task A_trained_model_file_is_registered_with_a_policy_that_a_key_can_override_and_a_bad_file_is_refused()
    {
        var model = Path.Combine(_dir.Path, "fashion.obm");
        var trained = await Cli.RunAsync("--data", Data, "train", "--data-dir", Path.Combine(AppContext.BaseDirectory, "data", "fashion-mnist"), "--hidden", "0", "--epochs", "1", "--batch", "300", "--non-private", "--seed", "1", "--out", model);
        Assert.True(trained.Code == ExitCodes.Success, trained.Err);
        var sha = JsonDocument.Parse(trained.Out).RootElement.GetProperty("modelSha256").GetString();
        Assert.Equal(sha, ModelFile.Read(model).Sha256);

        var registered = await Cli.RunAsync("--data", Data, "classifier", "register", "--file", model, "--id", "fashion", "--output", "top-k:3,rounded:2", "--rate", "10", "--max-queries", "500");
        Assert.True(registered.Code == ExitCodes.Success, registered.Err);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "classifier", "policy", "--id", "fashion", "--key", "partner", "--output", "label-only", "--rate", "1", "--burst", "5")).Code);
        var list = JsonDocument.Parse((await Cli.RunAsync("--data", Data, "classifier", "list")).Out).RootElement;
        var entry = Assert.Single(list.EnumerateArray());
        Assert.Equal(sha, entry.GetProperty("sha256").GetString());
        Assert.Equal(500, entry.GetProperty("policy").GetProperty("maxQueries").GetInt64());
        Assert.Equal("top-k:3,rounded:2", entry.GetProperty("policy").GetProperty("output").GetString());
        Assert.Equal("label-only", entry.GetProperty("keyPolicies").GetProperty("apikey:partner").GetProperty("output").GetString());
        Assert.Equal("[]", (await Cli.RunAsync("--data", Data, "classifier", "alerts")).Out.Trim());

        var bytes = await File.ReadAllBytesAsync(model, TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(model, bytes[..(bytes.Length / 2)], TestContext.Current.CancellationToken);
        var refused = await Cli.RunAsync("--data", Data, "classifier", "register", "--file", model, "--id", "half");
        Assert.Equal(ExitCodes.Usage, refused.Code);
        Assert.Contains("truncated", refused.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync("--data", Data, "classifier", "policy", "--id", "fashion", "--output", "everything")).Code);
        Assert.Equal(ExitCodes.Refused, (await Cli.RunAsync("--data", Data, "classifier", "policy", "--id", "absent", "--output", "raw")).Code);

        var ledger = (await Cli.RunAsync("--data", Data, "ledger", "entries")).Out;
        Assert.Contains("classifier:fashion", ledger, StringComparison.Ordinal);
        Assert.Contains("policy:label-only", ledger, StringComparison.Ordinal);
    }
}
