using System.Text.Json;
using Obscura.Cli;
using Obscura.Governance.Serialization;
using Obscura.TestSupport;

namespace Obscura.EndToEnd.Tests;

/// <summary>
/// Issue 15, adversarial review of <c>obscura train</c>'s budget charge: across processes, against a δ = 0 budget,
/// and against a budget whose δ is too loose for the data. A passing test documents a defence that holds; a failing
/// one is a finding.
/// </summary>
public sealed class AdversaryIssue15CliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Images => Path.Combine(AppContext.BaseDirectory, "data", "fashion-mnist");

    private string Data => Path.Combine(_dir.Path, "data");

    private string[] Train(params string[] more) =>
        ["--data", Data, "train", "--data-dir", Images, "--hidden", "0", "--epochs", "2", "--batch", "150", "--dataset", "fashion", "--purpose", "model-training", .. more];

    private async Task SetUpAsync(string epsilon, string delta)
    {
        foreach (var definition in new[] { SamplePurposes.IdentityVerification, SamplePurposes.ModelTraining })
        {
            var purpose = Path.Combine(_dir.Path, definition.Id + ".json");
            await File.WriteAllTextAsync(purpose, JsonSerializer.Serialize(definition, GovernanceJson.Indented), TestContext.Current.CancellationToken);
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "purposes", "register", "--file", purpose)).Code);
        }

        var set = await Cli.RunAsync("--data", Data, "dp", "budget", "set", "--dataset", "fashion", "--purpose", "model-training", "--epsilon", epsilon, "--delta", delta);
        Assert.True(set.Code == ExitCodes.Success, set.Err);
    }

    private async Task<int> ReleasesAsync() =>
        JsonDocument.Parse((await Cli.RunAsync("--data", Data, "dp", "budget", "show", "--dataset", "fashion", "--purpose", "model-training")).Out).RootElement.GetProperty("releases").GetInt32();

    /// <summary>Holds if it passes: two real <c>obscura train</c> processes at once on one folder, a budget that fits one run.</summary>
    [Fact]
    public async Task Two_train_processes_at_once_cannot_both_fit_into_a_budget_for_one()
    {
        await SetUpAsync("3.2", "1e-5");

        var runs = await Task.WhenAll(
            Built.RunCliAsync(Train("--epsilon", "3", "--delta", "1e-5")),
            Built.RunCliAsync(Train("--epsilon", "3", "--delta", "1e-5")));

        Assert.Equal(1, runs.Count(r => r.Code == ExitCodes.Success));
        Assert.Equal(1, runs.Count(r => r.Code == ExitCodes.Refused));
        Assert.DoesNotContain("epoch 1", runs.Single(r => r.Code == ExitCodes.Refused).Err, StringComparison.Ordinal);
        Assert.Equal(1, await ReleasesAsync());
    }

    /// <summary>Holds if it passes: a δ = 0 (pure) budget cannot absorb DP-SGD, which has no pure ε; refused before training.</summary>
    [Fact]
    public async Task A_delta_zero_budget_refuses_dp_sgd_before_any_training()
    {
        await SetUpAsync("100", "0");

        var run = await Cli.RunAsync(Train("--epsilon", "3", "--delta", "1e-5"));

        Assert.Equal(ExitCodes.Refused, run.Code);
        Assert.DoesNotContain("epoch 1", run.Err, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Out);
        Assert.Equal(0, await ReleasesAsync());
    }

    /// <summary>
    /// FINDING (fails now): the run's --delta must be below 1/examples, but the charge is evaluated at the budget's δ,
    /// which 'dp budget set' accepts up to 1. With a budget of (ε 3.2, δ 0.01) on 3,000 examples (δ = 30/n, enough to
    /// publish records outright) each ε-3 run counts as far less than 3, so several fit where one should. The charge
    /// should be refused when the budget's δ is not below 1/examples (or be evaluated at min(budget δ, run δ)).
    /// </summary>
    [Fact]
    public async Task A_budget_with_a_delta_too_loose_for_the_data_does_not_let_two_eps3_runs_fit_in_3_2()
    {
        await SetUpAsync("3.2", "0.01");

        var first = await Cli.RunAsync(Train("--epsilon", "3", "--delta", "1e-5"));
        var second = await Cli.RunAsync(Train("--epsilon", "3", "--delta", "1e-5"));

        Assert.False(first.Code == ExitCodes.Success && second.Code == ExitCodes.Success, "two runs at ε 3 (δ 1e-5) both fit a budget of ε 3.2");
    }
}
