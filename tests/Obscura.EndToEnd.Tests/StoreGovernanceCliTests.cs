using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Cli;
using Obscura.Governance.Access;
using Obscura.Governance.Accountability;
using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.GroupIds;
using Obscura.StoreAnalytics.Outbox;
using Obscura.StoreAnalytics.Simulation;
using Obscura.TestSupport;

namespace Obscura.EndToEnd.Tests;

/// <summary>
/// The store's governance through the CLI (issue 16): the accountability documents and visitors' objections recorded
/// and listed as over HTTP, each a ledger entry; the layered notice generated from those records; the publication
/// gate (exit 19) on the notice and the report; and a <c>purpose_documents</c> row edited in the database refused on
/// every read (exit 18), locally and through a server.
/// </summary>
public sealed class StoreGovernanceCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string Data => Path.Combine(_dir.Path, "data");

    private static string P => StoreGovernance.Purpose.Value;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Documents_and_objections_recorded_through_the_cli_are_in_the_ledger_gate_the_notice_and_refuse_when_forged()
    {
        await StoreGovernance.PrepareAsync(Data, _dir.Path, complete: false);
        var edge = await EdgeConfigurationAsync();
        var inbox = Path.Combine(_dir.Path, "inbox.db");
        using (new BatchInbox(inbox, new Dictionary<string, byte[]>()))
        {
        }

        // Nothing recorded yet: the notice and the report are refused, naming what is missing.
        var notice = await Cli.RunAsync("--data", Data, "store", "notice", "--purpose", P, "--config", edge, "--out", Path.Combine(_dir.Path, "early"));
        Assert.Equal(ExitCodes.GovernanceIncomplete, notice.Code);
        Assert.Contains("Art. 35", notice.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "early")));
        var report = await Cli.RunAsync("--data", Data, "store", "report", "--purpose", P, "--inbox", inbox);
        Assert.Equal(ExitCodes.GovernanceIncomplete, report.Code);
        Assert.Equal(string.Empty, report.Out);

        foreach (var (kind, document) in StoreGovernance.Documents())
        {
            var recorded = await StoreGovernance.RecordAsync(Data, _dir.Path, kind, document);
            Assert.True(recorded.Code == ExitCodes.Success, recorded.Err);
        }

        // A document of another purpose than --purpose is refused, and so is an http address.
        var wrong = await StoreGovernance.RecordAsync(Data, _dir.Path, "notice-particulars", SampleAccountability.Particulars(SamplePurposes.IdentityVerification.Id));
        Assert.Equal(ExitCodes.Refused, wrong.Code);
        var http = await StoreGovernance.RecordAsync(Data, _dir.Path, "notice-particulars", SampleAccountability.Particulars(StoreGovernance.Purpose) with { ObjectionUrl = new Uri("http://retail.example/object") });
        Assert.Equal(ExitCodes.Refused, http.Code);
        Assert.Contains("objectionUrl", http.Err, StringComparison.Ordinal);

        var shown = await Cli.RunAsync("--data", Data, "accountability", "show", "--purpose", P);
        Assert.True(shown.Code == ExitCodes.Success, shown.Err);
        using (var summary = JsonDocument.Parse(shown.Out))
        {
            Assert.True(summary.RootElement.GetProperty("complete").GetBoolean(), shown.Out);
            Assert.Equal("https://retail.example/object", summary.RootElement.GetProperty("noticeParticulars").GetProperty("objectionUrl").GetString());
        }

        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "accountability", "object", "--purpose", P, "--store", "store-17", "--date", "2026-01-05", "--channel", "kiosk", "--reason", "No analysis of my face, please.")).Code);
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "accountability", "object", "--purpose", P, "--store", "store-17", "--date", "2026-01-06", "--channel", "web-form")).Code);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync("--data", Data, "accountability", "object", "--purpose", P, "--store", "store-17", "--date", "5 Jan", "--channel", "kiosk")).Code);
        var listed = await Cli.RunAsync("--data", Data, "accountability", "objections", "--purpose", P);
        Assert.True(listed.Code == ExitCodes.Success, listed.Err);
        using (var objections = JsonDocument.Parse(listed.Out))
        {
            Assert.Equal(["kiosk", "web-form"], objections.RootElement.EnumerateArray().Select(o => o.GetProperty("channel").GetString()));
        }

        // Every document and objection is a row the ledger commits: the bootstrap key, the purpose, 6 documents, 2 objections.
        var verify = await Cli.RunAsync("--data", Data, "ledger", "verify");
        Assert.True(verify.Code == ExitCodes.Success, verify.Out);
        Assert.Equal(10, JsonDocument.Parse(verify.Out).RootElement.GetProperty("recordsChecked").GetInt64());

        // The notice, generated from the records: the controller of the registration, the LIA's interest, the particulars.
        var output = Path.Combine(_dir.Path, "notice");
        var written = await Cli.RunAsync("--data", Data, "store", "notice", "--purpose", P, "--config", edge, "--out", output);
        Assert.True(written.Code == ExitCodes.Success, written.Err);
        var sign = await File.ReadAllTextAsync(Path.Combine(output, "sign.txt"), TestContext.Current.CancellationToken);
        var page = System.Net.WebUtility.HtmlDecode(await File.ReadAllTextAsync(Path.Combine(output, "second-layer.html"), TestContext.Current.CancellationToken));
        Assert.Contains("<svg", await File.ReadAllTextAsync(Path.Combine(output, "sign.svg"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
        foreach (var item in new[] { "Example Retail AB", "To plan staffing and the store layout", "Art. 6(1)(f)", "Art. 21", "lane marked in yellow", "https://retail.example/object", "IMY", "Insight Labs Inc." })
        {
            Assert.Contains(item, sign, StringComparison.Ordinal);
            Assert.Contains(item, page, StringComparison.Ordinal);
        }

        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "store", "report", "--purpose", P, "--inbox", inbox)).Code);

        // A pending consultation recorded later closes the gate again: the latest document is in force.
        Assert.Equal(ExitCodes.Success, (await StoreGovernance.RecordAsync(Data, _dir.Path, "prior-consultation", SampleAccountability.Consultation(StoreGovernance.Purpose, ConsultationOutcome.Pending))).Code);
        var pending = await Cli.RunAsync("--data", Data, "store", "notice", "--purpose", P, "--config", edge, "--out", output);
        Assert.Equal(ExitCodes.GovernanceIncomplete, pending.Code);
        Assert.Contains("Art. 36(2)", pending.Err, StringComparison.Ordinal);

        // The attack: the processor's checklist "completed" in the database file. Every read refuses with 18.
        Tamper(Path.Combine(Data, "obscura.db"), "UPDATE purpose_documents SET body = replace(body, 'DPA-2026-07', 'DPA-forged') WHERE kind = 'processor-review'", expected: 2);
        foreach (var args in new[]
        {
            new[] { "accountability", "show", "--purpose", P },
            ["accountability", "objections", "--purpose", P],
            ["records", "export"],
            ["store", "notice", "--purpose", P, "--config", edge, "--out", output],
            ["store", "report", "--purpose", P, "--inbox", inbox],
        })
        {
            var refused = await Cli.RunAsync(["--data", Data, .. args]);
            Assert.True(refused.Code == ExitCodes.DocumentNotCommitted, $"{string.Join(' ', args)}: {refused.Code} {refused.Err}");
            Assert.Contains("ledger verify", refused.Err, StringComparison.Ordinal);
            Assert.DoesNotContain("DPA-forged", refused.Out + refused.Err, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Through_a_server_the_same_commands_record_list_and_refuse_a_forged_row_with_exit_18()
    {
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "init")).Code);
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("Obscura:DataDirectory", Data));
        var keys = factory.Services.GetRequiredService<ApiKeys>();
        var controller = (await keys.CreateAsync("ops", Role.Controller, null, CancellationToken.None)).Value.Key;
        var handler = factory.Server.CreateHandler();
        string[] As(params string[] args) => ["--server", "http://localhost", "--api-key", controller, .. args];

        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(handler, As("purposes", "register", "--file", StoreGovernance.WriteJson(_dir.Path, SamplePurposes.StoreAnalytics)))).Code);
        foreach (var (kind, document) in StoreGovernance.Documents())
        {
            var recorded = await Cli.RunAsync(handler, As("accountability", "record", "--purpose", P, "--kind", kind, "--file", StoreGovernance.WriteJson(_dir.Path, document)));
            Assert.True(recorded.Code == ExitCodes.Success, recorded.Err);
        }

        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync(handler, As("accountability", "object", "--purpose", P, "--store", "store-17", "--date", "2026-01-05", "--channel", "kiosk"))).Code);
        var listed = await Cli.RunAsync(handler, As("accountability", "objections", "--purpose", P));
        Assert.Equal("store-17", JsonDocument.Parse(listed.Out).RootElement[0].GetProperty("store").GetString());
        var shown = await Cli.RunAsync(handler, As("accountability", "show", "--purpose", P));
        Assert.True(JsonDocument.Parse(shown.Out).RootElement.GetProperty("complete").GetBoolean(), shown.Out);

        Tamper(Path.Combine(Data, "obscura.db"), "DELETE FROM purpose_documents WHERE kind = 'visitor-objection'", expected: 1);
        foreach (var args in new[] { new[] { "accountability", "show", "--purpose", P }, ["accountability", "objections", "--purpose", P], ["records", "export"] })
        {
            var refused = await Cli.RunAsync(handler, As(args));
            Assert.True(refused.Code == ExitCodes.DocumentNotCommitted, $"{string.Join(' ', args)}: {refused.Code} {refused.Err}");
            Assert.Contains(DocumentNotCommittedException.ProblemType, refused.Err, StringComparison.Ordinal);
        }
    }

    private static void Tamper(string database, string sql, int expected)
    {
        SqliteConnection.ClearAllPools();
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DROP TRIGGER IF EXISTS purpose_documents_no_update; DROP TRIGGER IF EXISTS purpose_documents_no_delete; " + sql;
        Assert.Equal(expected, command.ExecuteNonQuery());
    }

    private async Task<string> EdgeConfigurationAsync()
    {
        var parameters = GroupIdDefaults.Parameters;
        var configuration = new StoreSimulator(new SimulationOptions { GenuineAngles = [0.1], ImpostorCosine = 0.5 })
            .Configuration(parameters, [.. Enumerable.Range(0, parameters.Bits + 1).Select(l => Math.Pow(0.917, l))]);
        var path = Path.Combine(_dir.Path, "edge.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(configuration, EdgeConfiguration.Json), TestContext.Current.CancellationToken);
        return path;
    }
}
