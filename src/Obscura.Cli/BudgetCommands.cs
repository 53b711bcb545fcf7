using System.CommandLine;

namespace Obscura.Cli;

/// <summary><c>obscura dp</c>: <c>query</c>, and <c>budget set|show</c> on the data folder's privacy budgets.</summary>
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
        var show = Define(runner, "show", "What a budget has spent and has left.", [showDataset, showPurpose], r => new Operation(
            async (s, ct) => Reply.Of(await s.PrivacyBudgets.GetStatusAsync(r.GetValue(showDataset)!, r.GetValue(showPurpose), ct)), null));
        return Group("dp", "Central differential privacy.", DpCommands.Query(stdout, stderr), Group("budget", "Privacy budgets per dataset and purpose (data folder).", set, show));
    }
}
