using System.CommandLine;
using System.Reflection;
using Obscura.Governance;
using Obscura.Plots;
using Obscura.Storage.Reports;

namespace Obscura.Cli;

/// <summary>
/// <c>--register NAME</c> of <c>obscura eval</c> and <c>obscura audit model</c>: stores the run as a named report in
/// the <c>--data</c> folder (<c>reports/NAME.json</c>) and commits its SHA-256 to the folder's audit ledger in the
/// same step, for the console's report pages.
/// </summary>
internal static class ReportRegistration
{
    /// <summary>The option; a name with path characters is refused when the command line is parsed, before anything runs.</summary>
    public static Option<string?> Option() => new("--register")
    {
        Description = "Store the run as the named report reports/NAME.json in --data and record its SHA-256 in the audit ledger (shown by the console). NAME: 1-64 of a-z, 0-9, '_', '-'.",
        Validators =
        {
            result =>
            {
                var name = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
                if (!RegisteredReports.IsValidName(name))
                {
                    result.AddError($"--register: '{name}' is not a report name: 1-64 characters of a-z, 0-9, '_' and '-', starting with a letter or digit.");
                }
            },
        },
    };

    /// <summary>The version of this tool, as a report records it.</summary>
    public static string ToolVersion =>
        typeof(ReportRegistration).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Refuses, before a long run, a name whose report file exists already.</summary>
    /// <exception cref="CliFailure">The report exists (exit code <see cref="ExitCodes.Refused"/>).</exception>
    public static void EnsureFree(ParseResult result, string name)
    {
        var path = Path.Combine(Path.GetFullPath(result.GetValue(CliOptions.Data)!), RegisteredReports.FolderName, name + ".json");
        if (File.Exists(path))
        {
            throw new CliFailure(ExitCodes.Refused, $"A report named '{name}' exists already ({path}); choose another name.");
        }
    }

    /// <summary>Stores and ledgers <paramref name="report"/>; says where it went on <paramref name="stderr"/>.</summary>
    /// <returns>The exit code: success, or <see cref="ExitCodes.Refused"/> for a name in use, <see cref="ExitCodes.Usage"/> for one that is invalid.</returns>
    public static async Task<int> RegisterAsync(ParseResult result, PlotReport report, string command, TextWriter stderr, CancellationToken cancellationToken)
    {
        using var services = LocalServices.Open(result);
        var outcome = await services.Reports.RegisterAsync(services.Actor.Value, report.Name, command, report.ToJson(), cancellationToken);
        if (!outcome.Succeeded)
        {
            stderr.WriteLine(outcome.Error!.Message);
            return outcome.Error.Kind == GovernanceErrorKind.Conflict ? ExitCodes.Refused : ExitCodes.Usage;
        }

        stderr.WriteLine($"report '{report.Name}' registered: {outcome.Value}, its SHA-256 recorded in the audit ledger of {services.Folder.Path}");
        return ExitCodes.Success;
    }
}
