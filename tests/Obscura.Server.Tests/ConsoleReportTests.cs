using System.Net;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Plots;
using Obscura.Storage.Reports;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// The console's report pages: registered evaluation and audit reports listed with their headline figures, one
/// report's figures as a table and its plots drawn on the server; a report file edited on disk, planted without a
/// ledger entry, copied under another name or backed by a ledger row inserted in the database is refused with 409.
/// </summary>
public sealed class ConsoleReportTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private RegisteredReports Reports => server.Services.GetRequiredService<RegisteredReports>();

    [Fact]
    public async Task An_auditor_sees_the_reports_their_figures_and_their_plots_with_alt_text()
    {
        await RegisterAsync(SampleReports.Evaluation("eval-shown"));
        await RegisterAsync(SampleReports.Audit("audit-shown"));

        using var auditor = ConsoleClient.For(server);
        await auditor.SignInAsync(server.KeyOf(Role.Auditor));
        var list = await auditor.Http.GetStringAsync("/console/reports", Ct);
        var evalRow = Row(list, ">eval-shown</a>");
        Assert.Contains("<td>verification evaluation</td>", evalRow, StringComparison.Ordinal);
        Assert.Contains("<td>2026-03-04 05:06</td>", evalRow, StringComparison.Ordinal);
        Assert.Contains("<li>EER, plaintext: 3.25 %</li>", evalRow, StringComparison.Ordinal);
        Assert.DoesNotContain("Templates", evalRow, StringComparison.Ordinal); // not a headline figure
        var auditRow = Row(list, ">audit-shown</a>");
        Assert.Contains("<td>membership-inference audit</td>", auditRow, StringComparison.Ordinal);
        Assert.Contains("<li>AUC, lira-online: 0.8125</li>", auditRow, StringComparison.Ordinal);

        // Decoded: Razor writes ↔ and – as character references.
        var page = WebUtility.HtmlDecode(await auditor.Http.GetStringAsync("/console/report?name=eval-shown", Ct));
        string[] shown =
        [
            "<tr><th scope=\"row\">EER, plaintext</th><td>3.25 %</td></tr>",
            "<tr><th scope=\"row\">Templates</th><td>90</td></tr>",
            "<dd class=\"mono\">obscura eval</dd>",
            "<dd class=\"mono\">9.9.9-test</dd>",
            "<dt>Registered by ledger entry</dt><dd><a href=\"/console/ledger?leaf=",
            "alt=\"DET curves: Plaintext, equal error rate 3.25%; Encrypted, equal error rate 3.50%.\"",
            "alt=\"Mated and non-mated comparison score densities across keys; system linkability D↔sys 0.125",
            "src=\"/console/report?handler=Plot&name=eval-shown&plot=det\"",
        ];
        Assert.All(shown, fragment => Assert.Contains(fragment, page, StringComparison.Ordinal));
        var audit = WebUtility.HtmlDecode(await auditor.Http.GetStringAsync("/console/report?name=audit-shown", Ct));
        Assert.Contains("The model leaks membership.", audit, StringComparison.Ordinal);
        Assert.Contains("alt=\"ROC curves of the membership-inference attacks on log–log axes: lira-online  AUC 0.812.\"", audit, StringComparison.Ordinal);

        foreach (var (name, plot) in new[] { ("eval-shown", "det"), ("eval-shown", "unlinkability"), ("audit-shown", "roc") })
        {
            var png = await auditor.Http.GetAsync($"/console/report?handler=Plot&name={name}&plot={plot}", Ct);
            Assert.Equal(HttpStatusCode.OK, png.StatusCode);
            Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await png.Content.ReadAsByteArrayAsync(Ct))[..4]);
        }

        // A plot the report does not have, a report that does not exist and a name with path characters are errors.
        Assert.Equal(HttpStatusCode.NotFound, (await auditor.Http.GetAsync("/console/report?handler=Plot&name=audit-shown&plot=det", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await auditor.Http.GetAsync("/console/report?name=nothing-here", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await auditor.Http.GetAsync("/console/report?name=..%2Fobscura", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await auditor.Http.GetAsync("/console/report?handler=Plot&name=..%2Fobscura&plot=det", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_report_file_edited_after_registration_is_refused_with_409_and_the_others_still_shown()
    {
        await RegisterAsync(SampleReports.Evaluation("eval-edited"));
        await RegisterAsync(SampleReports.Evaluation("eval-intact"));
        using var controller = ConsoleClient.For(server);
        await controller.SignInAsync(server.KeyOf(Role.Controller));
        Assert.Equal(HttpStatusCode.OK, (await controller.Http.GetAsync("/console/report?name=eval-edited", Ct)).StatusCode);

        // Someone with the folder improves the EER in the file.
        var path = Reports.PathOf("eval-edited");
        var text = await File.ReadAllTextAsync(path, Ct);
        Assert.Contains("0.0325", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(path, text.Replace("0.0325", "0.0025", StringComparison.Ordinal), Ct);

        var page = await controller.Http.GetAsync("/console/report?name=eval-edited", Ct);
        Assert.Equal(HttpStatusCode.Conflict, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.Contains("changed after registration", html, StringComparison.Ordinal);
        Assert.DoesNotContain("0.25 %", html, StringComparison.Ordinal);
        Assert.DoesNotContain(path, html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await controller.Http.GetAsync("/console/report?handler=Plot&name=eval-edited&plot=det", Ct)).StatusCode);

        var list = await controller.Http.GetStringAsync("/console/reports", Ct);
        Assert.Contains("NOT VERIFIED", Row(list, ">eval-edited</a>"), StringComparison.Ordinal);
        Assert.DoesNotContain("0.25 %", list, StringComparison.Ordinal);
        Assert.Contains("<li>EER, plaintext: 3.25 %</li>", Row(list, ">eval-intact</a>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_report_planted_without_a_ledger_entry_or_copied_under_another_name_is_refused_with_409()
    {
        await RegisterAsync(SampleReports.Evaluation("eval-original"));
        using var auditor = ConsoleClient.For(server);
        await auditor.SignInAsync(server.KeyOf(Role.Auditor));

        // A well-formed report written straight into the folder, and a registered one copied under a new name.
        await File.WriteAllBytesAsync(Path.Combine(Reports.Directory, "eval-planted.json"), SampleReports.Evaluation("eval-planted").ToJson(), Ct);
        File.Copy(Reports.PathOf("eval-original"), Path.Combine(Reports.Directory, "eval-copy.json"));
        foreach (var name in new[] { "eval-planted", "eval-copy" })
        {
            var page = await auditor.Http.GetAsync($"/console/report?name={name}", Ct);
            Assert.Equal(HttpStatusCode.Conflict, page.StatusCode);
            Assert.Contains("outside Obscura", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Conflict, (await auditor.Http.GetAsync($"/console/report?handler=Plot&name={name}&plot=det", Ct)).StatusCode);
            Assert.Contains("NOT VERIFIED", Row(await auditor.Http.GetStringAsync("/console/reports", Ct), $">{name}</a>"), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, (await auditor.Http.GetAsync("/console/report?name=eval-original", Ct)).StatusCode);
    }

    [Fact]
    public async Task Registration_refuses_a_name_in_use_and_names_with_path_characters_and_writes_nothing()
    {
        await RegisterAsync(SampleReports.Evaluation("eval-taken"));
        var again = await Reports.RegisterAsync("test:setup", "eval-taken", "eval", SampleReports.Evaluation("eval-taken").ToJson(), Ct);
        Assert.Equal(GovernanceErrorKind.Conflict, again.Error?.Kind);

        var before = Directory.GetFiles(Reports.Directory).Length;
        foreach (var name in new[] { "../escape", "a/b", "a\\b", "Upper", ".hidden", "", "x.json", new string('a', 65) })
        {
            var outcome = await Reports.RegisterAsync("test:setup", name, "eval", SampleReports.Evaluation("whatever").ToJson(), Ct);
            Assert.Equal(GovernanceErrorKind.Invalid, outcome.Error?.Kind);
        }

        Assert.Equal(before, Directory.GetFiles(Reports.Directory).Length);
        Assert.False(File.Exists(Path.Combine(server.DataDirectory, "escape.json")));
    }

    [Fact]
    public async Task A_processor_key_cannot_open_the_report_pages()
    {
        await RegisterAsync(SampleReports.Evaluation("eval-for-roles"));
        using var processor = ConsoleClient.For(server);
        Assert.Equal(HttpStatusCode.Forbidden, (await processor.SignInAsync(server.KeyOf(Role.Processor))).StatusCode);
        foreach (var path in new[] { "/console/reports", "/console/report?name=eval-for-roles", "/console/report?handler=Plot&name=eval-for-roles&plot=det" })
        {
            var response = await processor.Http.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
            Assert.Equal("/console/login", response.Headers.Location?.OriginalString);
        }
    }

    private async Task RegisterAsync(PlotReport report)
    {
        var outcome = await Reports.RegisterAsync("test:setup", report.Name, "eval", report.ToJson(), Ct);
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
    }

    private static string Row(string html, string marker)
    {
        var at = html.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"no row with {marker}");
        var start = html.LastIndexOf("<tr", at, StringComparison.Ordinal);
        var end = html.IndexOf("</tr>", at, StringComparison.Ordinal);
        return html[start..end];
    }

}

/// <summary>A ledger row inserted in the database for a planted report (its own server: the ledger is broken afterwards).</summary>
public sealed class ConsoleReportLedgerTamperTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private RegisteredReports Reports => server.Services.GetRequiredService<RegisteredReports>();

    [Fact]
    public async Task A_ledger_row_inserted_in_the_database_for_a_planted_report_does_not_make_it_verified()
    {
        using var auditor = ConsoleClient.For(server);
        await auditor.SignInAsync(server.KeyOf(Role.Auditor)); // the key before the ledger is broken: nothing is appended after
        var planted = SampleReports.Evaluation("eval-forged-entry").ToJson();
        Directory.CreateDirectory(Reports.Directory);
        await File.WriteAllBytesAsync(Path.Combine(Reports.Directory, "eval-forged-entry.json"), planted, Ct);

        // Someone with the database file adds the entry the registration would have written, at the end of the ledger.
        SqliteConnection.ClearAllPools();
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "obscura.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO ledger_entries (seq, recorded_at, actor, action, category, from_location, to_location, reference) SELECT MAX(seq) + 1, 0, 'cli:x', 1, 'audit-record', 'command:eval', 'report:eval-forged-entry', @ref FROM ledger_entries";
            command.Parameters.AddWithValue("@ref", "sha256:" + Convert.ToHexStringLower(SHA256.HashData(planted)));
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        Assert.Equal(ReportStatus.LedgerUnverified, (await Reports.ReadAsync("eval-forged-entry", Ct)).Status);
        var page = await auditor.Http.GetAsync("/console/report?name=eval-forged-entry", Ct);
        Assert.Equal(HttpStatusCode.Conflict, page.StatusCode);
        Assert.Contains("no valid inclusion proof", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // With the ledger refusing appends, a registration fails loudly and leaves no report (nor a temporary file) behind.
        var before = Directory.GetFiles(Reports.Directory).Order(StringComparer.Ordinal).ToList();
        await Assert.ThrowsAsync<InvalidOperationException>(() => Reports.RegisterAsync("test:setup", "eval-unledgered", "eval", SampleReports.Evaluation("eval-unledgered").ToJson(), Ct));
        Assert.Equal(before, Directory.GetFiles(Reports.Directory).Order(StringComparer.Ordinal));
        Assert.Equal(ReportStatus.NotFound, (await Reports.ReadAsync("eval-unledgered", Ct)).Status);
    }
}
