using System.CommandLine;

namespace Obscura.Cli;

/// <summary><c>obscura dp</c>: <c>query</c>, and <c>budget set|show</c> on the data folder's privacy budgets (<c>show --plot</c> draws the spend over time).</summary>
public static partial class ObscuraCli
{
    private static Command DpGroup(CliRunner runner, TextWriter stdout, TextWriter stderr)
    {
        var dataset = new Option<string>("--dataset") { Description = "Dataset name (a-z, 0-9, '.', '_', '-').", Required = true };
        var purpose = CliOptions.Purpose();
        var epsilon = new Option<double>("--epsilon") { Description = "Total ε all releases may spend.", Required = true };
        var delta = new Option<double>("--delta") { Description = "Total δ; 0 allows pure-DP releases only.", DefaultValueFactory = _ => 0 };
        var set = Define(runner, "set", "Set a dataset's privacy budget for a purpose (fixed once set; recorded in the ledger).", [dataset, purpose, epsilon, delta], r => new Operation(
            async (s, ct) => Reply.Of(await s.PrivacyBudgets.SetAsync(s.Actor, r.GetValue(dataset)!, r.GetValue(purpose), r.GetValue(epsilon), r.GetValue(delta), ct)), null));
        var showDataset = new Option<string>("--dataset") { Description = "Dataset name.", Required = true };
        var showPurpose = CliOptions.Purpose();
        var plot = new Option<FileInfo?>("--plot") { Description = "Also write the budget's spend over time as a PNG: ε spent after each release, against the budget." };
        var show = Define(runner, "show", "What a budget has spent and has left.", [showDataset, showPurpose, plot], r => new Operation(
            async (s, ct) =>
            {
                var status = await s.PrivacyBudgets.GetStatusAsync(r.GetValue(showDataset)!, r.GetValue(showPurpose), ct);
                if (status.Succeeded && r.GetValue(plot) is { } file)
                {
                    var history = await s.PrivacyBudgets.GetHistoryAsync(r.GetValue(showDataset)!, r.GetValue(showPurpose), ct);
                    if (!history.Succeeded)
                    {
                        return Reply.Of(history);
                    }

                    PlotFiles.WriteBudgetSpend(file.FullName, history.Value!);
                    await stderr.WriteLineAsync($"spend plot written to {file.FullName}");
                }

                return Reply.Of(status);
            },
            null));
        return Group("dp", "Central differential privacy.", DpCommands.Query(stdout, stderr), Group("budget", "Privacy budgets per dataset and purpose (data folder).", set, show));
    }
}
