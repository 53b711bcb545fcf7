using System.Text.Json;
using Obscura.Cli;
using Obscura.Governance.Serialization;
using Obscura.TestSupport;

namespace Obscura.EndToEnd.Tests;

/// <summary><c>obscura train</c> on the committed Fashion-MNIST cut: DP-SGD charged to a budget first, and the baseline.</summary>
public sealed class TrainCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Images => Path.Combine(AppContext.BaseDirectory, "data", "fashion-mnist");

    private string Data => Path.Combine(_dir.Path, "data");

    private string[] Train(params string[] more) =>
        ["--data", Data, "train", "--data-dir", Images, "--hidden", "0", "--epochs", "2", "--batch", "150", .. more];

    private async Task SetBudgetAsync(string epsilon)
    {
        foreach (var definition in new[] { SamplePurposes.IdentityVerification, SamplePurposes.ModelTraining })
        {
            var purpose = Path.Combine(_dir.Path, definition.Id + ".json");
            await File.WriteAllTextAsync(purpose, JsonSerializer.Serialize(definition, GovernanceJson.Indented), TestContext.Current.CancellationToken);
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "purposes", "register", "--file", purpose)).Code);
        }

        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "dp", "budget", "set", "--dataset", "fashion", "--purpose", "model-training", "--epsilon", epsilon, "--delta", "1e-5")).Code);
    }

    [Fact]
    public async Task Dp_sgd_is_charged_to_the_budget_before_training_and_a_second_run_that_does_not_fit_is_refused()
    {
        await SetBudgetAsync("3.2");

        var first = await Cli.RunAsync(Train("--epsilon", "3", "--delta", "1e-5", "--dataset", "fashion", "--purpose", "model-training"));

        Assert.True(first.Code == ExitCodes.Success, first.Err);
        Assert.Contains("charged to fashion", first.Err, StringComparison.Ordinal);
        Assert.Contains("epoch 2/2", first.Err, StringComparison.Ordinal);
        var report = JsonDocument.Parse(first.Out).RootElement;
        var privacy = report.GetProperty("privacy");
        Assert.InRange(privacy.GetProperty("epsilon").GetDouble(), 2.9, 3.0000001);

        // σ is calibrated by the tighter accountant (the PLD here); the report gives both figures at that σ.
        Assert.Equal("pld", privacy.GetProperty("accountant").GetString());
        Assert.Equal(privacy.GetProperty("epsilon").GetDouble(), privacy.GetProperty("epsilonPld").GetDouble());
        Assert.True(privacy.GetProperty("epsilonRdp").GetDouble() > 3.05, first.Err);
        Assert.Contains("by pld (RDP ", first.Err, StringComparison.Ordinal);
        Assert.Contains("(by pld)", first.Err, StringComparison.Ordinal);
        Assert.Equal(0.05, privacy.GetProperty("samplingRate").GetDouble(), 10);
        Assert.Equal(40, report.GetProperty("steps").GetInt32());
        Assert.InRange(report.GetProperty("testAccuracy").GetDouble(), 0.5, 1);
        var budget = JsonDocument.Parse((await Cli.RunAsync("--data", Data, "dp", "budget", "show", "--dataset", "fashion", "--purpose", "model-training")).Out).RootElement;
        Assert.Equal(1, budget.GetProperty("releases").GetInt32());
        Assert.InRange(budget.GetProperty("epsilonSpent").GetDouble(), 2.9, 3.0000001);
        Assert.Equal("Pld", budget.GetProperty("accounting").GetProperty("method").GetString());

        // Two runs at ε 3 compose (PLD, less than 6 but more than 3.2) beyond the budget of 3.2: refused before any training, nothing charged.
        var second = await Cli.RunAsync(Train("--epsilon", "3", "--delta", "1e-5", "--dataset", "fashion", "--purpose", "model-training"));
        Assert.Equal(ExitCodes.Refused, second.Code);
        Assert.DoesNotContain("epoch 1", second.Err, StringComparison.Ordinal);
        Assert.Equal(string.Empty, second.Out);
        var after = JsonDocument.Parse((await Cli.RunAsync("--data", Data, "dp", "budget", "show", "--dataset", "fashion", "--purpose", "model-training")).Out).RootElement;
        Assert.Equal(1, after.GetProperty("releases").GetInt32());
    }

    [Fact]
    public async Task Rdp_calibration_adds_more_noise_and_the_budget_is_still_charged_the_tighter_epsilon()
    {
        await SetBudgetAsync("8");

        var rdp = await Cli.RunAsync(Train("--epsilon", "3", "--accountant", "rdp", "--dataset", "fashion", "--purpose", "model-training"));
        Assert.True(rdp.Code == ExitCodes.Success, rdp.Err);
        var privacy = JsonDocument.Parse(rdp.Out).RootElement.GetProperty("privacy");
        Assert.Equal("rdp", privacy.GetProperty("calibration").GetString());
        Assert.InRange(privacy.GetProperty("epsilonRdp").GetDouble(), 2.9, 3.0000001);
        Assert.True(privacy.GetProperty("epsilonPld").GetDouble() < 2.95);
        Assert.Equal(privacy.GetProperty("epsilonPld").GetDouble(), privacy.GetProperty("epsilon").GetDouble());

        var pld = await Cli.RunAsync(Train("--epsilon", "3", "--accountant", "pld", "--dataset", "fashion", "--purpose", "model-training"));
        Assert.True(pld.Code == ExitCodes.Success, pld.Err);
        Assert.True(JsonDocument.Parse(pld.Out).RootElement.GetProperty("privacy").GetProperty("noiseMultiplier").GetDouble() < privacy.GetProperty("noiseMultiplier").GetDouble());
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync(Train("--epsilon", "3", "--accountant", "moments", "--dataset", "fashion", "--purpose", "model-training"))).Code);
    }

    [Fact]
    public async Task The_baseline_needs_no_budget_and_misuse_is_a_usage_error()
    {
        var baseline = await Cli.RunAsync(Train("--non-private", "--seed", "1", "--learning-rate", "0.5"));
        Assert.True(baseline.Code == ExitCodes.Success, baseline.Err);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(baseline.Out).RootElement.GetProperty("privacy").ValueKind);

        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync(Train())).Code);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync(Train("--epsilon", "3"))).Code);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync(Train("--epsilon", "3", "--dataset", "fashion", "--purpose", "model-training", "--seed", "4"))).Code);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync(Train("--epsilon", "3", "--delta", "0.5", "--dataset", "fashion", "--purpose", "model-training"))).Code);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync(["--data", Data, "train", "--data-dir", _dir.Path, "--non-private"])).Code);
        Assert.Equal(ExitCodes.Refused, (await Cli.RunAsync(Train("--epsilon", "3", "--dataset", "nobudget", "--purpose", "model-training"))).Code);
    }
}
