using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Obscura.Cli;
using Obscura.Storage;
using Obscura.TestSupport;

namespace Obscura.EndToEnd.Tests;

/// <summary>
/// <c>obscura eval --register</c> and <c>obscura audit model --register</c> through the command line, then the report
/// pages of the real server (a child process) over HTTP: the figures the commands printed are on the pages, the plots
/// are drawn, the ledger still verifies, and a registered file edited on disk is refused.
/// </summary>
public sealed partial class ReportRegistrationTests : IDisposable
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Images => Path.Combine(AppContext.BaseDirectory, "data", "fashion-mnist");

    [Fact]
    public async Task Registered_eval_and_audit_reports_are_shown_by_the_console_with_the_figures_the_commands_printed()
    {
        var data = Path.Combine(_dir.Path, "data");
        var csv = Path.Combine(_dir.Path, "embeddings.csv");
        await File.WriteAllTextAsync(csv, EvalCommandTests.SyntheticCsv(subjects: 12, captures: 3, dimension: 128), Ct);

        var eval = await Cli.RunAsync("--data", data, "eval", "--embeddings", csv, "--thresholds", "0.5", "--impostor-pairs", "200", "--deployed-pairs", "0", "--register", "face-eval-1");
        Assert.True(eval.Code == ExitCodes.Success, eval.Err);
        var evalPath = Path.Combine(data, "reports", "face-eval-1.json");
        Assert.Contains($"report 'face-eval-1' registered: {evalPath}", eval.Err, StringComparison.Ordinal);
        var plainEer = JsonDocument.Parse(eval.Out).RootElement.GetProperty("plaintext").GetProperty("equalErrorRate").GetDouble();

        var audit = await Cli.RunAsync("--data", data, "audit", "model", "--data-dir", Images, "--pool", "200", "--shadows", "4", "--hidden", "0", "--epochs", "2", "--batch", "50", "--register", "model-audit-1");
        Assert.True(audit.Code == ExitCodes.Success, audit.Err);
        var auc = JsonDocument.Parse(audit.Out).RootElement.GetProperty("attacks")[0].GetProperty("auc").GetDouble();

        // A name in use is refused before the run, a name with path characters when the command line is read.
        var taken = await Cli.RunAsync("--data", data, "eval", "--embeddings", csv, "--register", "face-eval-1");
        Assert.Equal(ExitCodes.Refused, taken.Code);
        Assert.Contains("exists already", taken.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("scoring", taken.Err, StringComparison.Ordinal); // refused before the run
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync("--data", data, "eval", "--embeddings", csv, "--register", "../escape")).Code);
        Assert.Equal(["face-eval-1.json", "model-audit-1.json"], Directory.GetFiles(Path.Combine(data, "reports")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(FileModes.WiderThanOwnerOnly(Path.Combine(data, "reports")));

        // Two ledger entries, one per report, and the ledger still verifies.
        var entries = JsonDocument.Parse((await Cli.RunAsync("--data", data, "ledger", "entries")).Out).RootElement.EnumerateArray().Select(e => e.GetProperty("event").GetProperty("to").GetString()).ToList();
        Assert.Equal(["report:face-eval-1", "report:model-audit-1"], entries);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", data, "ledger", "verify")).Code);

        await using var server = await RunningServer.StartAsync(data);
        var key = (await File.ReadAllTextAsync(Path.Combine(data, DataFolder.BootstrapKeyFileName), Ct)).Trim();
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var console = new HttpClient(handler) { BaseAddress = server.Url };
        var login = await console.GetStringAsync("/console/login", Ct);
        var token = AntiforgeryToken().Match(login).Groups[1].Value;
        var signIn = await console.PostAsync("/console/login", new FormUrlEncodedContent([new("apiKey", key), new("__af", token)]), Ct);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);

        var list = WebUtility.HtmlDecode(await console.GetStringAsync("/console/reports", Ct));
        var eer = (100 * plainEer).ToString("0.00", CultureInfo.InvariantCulture) + " %";
        Assert.Contains($"<li>EER, plaintext: {eer}</li>", list, StringComparison.Ordinal);
        Assert.Contains($"<li>AUC, lira-online: {auc.ToString("0.0000", CultureInfo.InvariantCulture)}</li>", list, StringComparison.Ordinal);
        Assert.All(["<li>EER, encrypted: ", "<li>System linkability D↔sys: ", "<li>AUC, lira-offline: ", "<li>AUC, loss-baseline: "], h => Assert.Contains(h, list, StringComparison.Ordinal));
        Assert.DoesNotContain("<li>Templates", list, StringComparison.Ordinal);

        var evalPage = WebUtility.HtmlDecode(await console.GetStringAsync("/console/report?name=face-eval-1", Ct));
        Assert.Contains($"<tr><th scope=\"row\">EER, plaintext</th><td>{eer}</td></tr>", evalPage, StringComparison.Ordinal);
        Assert.Contains("<tr><th scope=\"row\">Templates</th><td>36</td></tr>", evalPage, StringComparison.Ordinal);
        Assert.Contains($"<dd class=\"mono\">{csv}</dd>", evalPage, StringComparison.Ordinal);
        Assert.Contains("alt=\"DET curves: Plaintext, equal error rate", evalPage, StringComparison.Ordinal);
        var auditPage = WebUtility.HtmlDecode(await console.GetStringAsync("/console/report?name=model-audit-1", Ct));
        Assert.Contains($"<tr><th scope=\"row\">AUC, lira-online</th><td>{auc.ToString("0.0000", CultureInfo.InvariantCulture)}</td></tr>", auditPage, StringComparison.Ordinal);
        Assert.Contains("alt=\"ROC curves of the membership-inference attacks", auditPage, StringComparison.Ordinal);
        foreach (var (name, plot) in new[] { ("face-eval-1", "det"), ("face-eval-1", "unlinkability"), ("model-audit-1", "roc") })
        {
            var png = await console.GetByteArrayAsync($"/console/report?handler=Plot&name={name}&plot={plot}", Ct);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        }

        // The registered file edited on disk: refused, 409.
        await File.WriteAllTextAsync(evalPath, (await File.ReadAllTextAsync(evalPath, Ct)).Replace("\"Templates\"", "\"Templates \"", StringComparison.Ordinal), Ct);
        var edited = await console.GetAsync("/console/report?name=face-eval-1", Ct);
        Assert.Equal(HttpStatusCode.Conflict, edited.StatusCode);
        Assert.Contains("changed after registration", await edited.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [GeneratedRegex("name=\"__af\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
