using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Obscura.Governance.Access;
using Obscura.Governance.Accountability;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// Attack tests for the accountability documents of a purpose (issue 16): a <c>purpose_documents</c> row changed,
/// deleted or inserted in the server's SQLite file behind its back is reported by ledger verification, and every read
/// of the documents (summary, visitors' objections, records of processing) refuses with 422 and the problem type
/// <see cref="DocumentNotCommittedException.ProblemType"/> instead of serving the forgery. A class of its own: once a
/// purpose's documents are forged the records of processing refuse, which the other classes' tests read.
/// </summary>
public sealed class StoreDocumentLedgerCheckTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Objections = "/v1/store/objections";
    private readonly ServerFixture _server = server;

    [Fact]
    public async Task A_checklist_marked_satisfied_in_the_database_is_refused_on_read_and_reported_by_ledger_verification()
    {
        var purpose = await RegisterAsync("checklist");
        using var controller = _server.As(Role.Controller);
        var review = StoreAccountabilityEndpointTests.Review("Analytics Cloud GmbH", complete: false) with { Purpose = purpose, ContractReference = "DPA-tamper" };
        Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync($"/v1/purposes/{purpose}/processor-reviews", Json.Of(review))).StatusCode);
        using var auditor = _server.As(Role.Auditor);
        Assert.DoesNotContain((await VerifyAsync(auditor)).Problems, p => p.Record?.StartsWith(RecordTables.PurposeDocuments + "/prv_", StringComparison.Ordinal) == true);
        Assert.Equal(HttpStatusCode.OK, (await controller.GetAsync($"/v1/purposes/{purpose}/accountability")).StatusCode);

        Tamper("UPDATE purpose_documents SET body = replace(body, '\"satisfied\":false', '\"satisfied\":true,\"evidence\":\"forged\"') WHERE purpose = @p", purpose);

        await AssertRefusedAsync(await controller.GetAsync($"/v1/purposes/{purpose}/accountability"));
        await AssertRefusedAsync(await auditor.GetAsync($"/v1/purposes/{purpose}/accountability"));
        await AssertRefusedAsync(await controller.GetAsync("/v1/records"));
        await AssertRefusedAsync(await controller.GetAsync("/v1/records/markdown"));
        var report = await VerifyAsync(auditor);
        Assert.Contains(report.Problems, p => p.Kind == LedgerProblemKind.RecordDoesNotMatchLedger && p.Record!.StartsWith(RecordTables.PurposeDocuments + "/prv_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deleting_the_latest_assessment_to_put_an_older_one_back_in_force_is_refused()
    {
        var purpose = await RegisterAsync("older-lia");
        using var controller = _server.As(Role.Controller);
        Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync($"/v1/purposes/{purpose}/legitimate-interests", Json.Of(StoreAccountabilityEndpointTests.Lia() with { Purpose = purpose }))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync($"/v1/purposes/{purpose}/legitimate-interests", Json.Of(StoreAccountabilityEndpointTests.Lia(LegitimateInterestsOutcome.Failed) with { Purpose = purpose }))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await controller.GetAsync($"/v1/purposes/{purpose}/accountability")).StatusCode);

        // Every stored row of the purpose is still exactly as committed; only the failed, latest one is gone.
        Tamper("DELETE FROM purpose_documents WHERE purpose = @p AND body LIKE '%\"outcome\":\"Failed\"%'", purpose);

        await AssertRefusedAsync(await controller.GetAsync($"/v1/purposes/{purpose}/accountability"));
    }

    [Theory]
    [InlineData("update", "UPDATE purpose_documents SET body = replace(body, 'kiosk', 'staff') WHERE id = @id", LedgerProblemKind.RecordDoesNotMatchLedger)]
    [InlineData("delete", "DELETE FROM purpose_documents WHERE id = @id", LedgerProblemKind.CommittedRecordMissing)]
    [InlineData("insert", "INSERT INTO purpose_documents (id, purpose, kind, body, recorded_at, actor) SELECT 'vob_forged', purpose, kind, body, recorded_at, actor FROM purpose_documents WHERE id = @id", LedgerProblemKind.RecordNotInLedger)]
    public async Task An_objection_row_altered_in_the_database_is_refused_on_read_and_reported_by_ledger_verification(string attack, string sql, LedgerProblemKind expected)
    {
        var purpose = await RegisterAsync(attack);
        using var kiosk = _server.As(Role.ObjectionIntake);
        var recorded = await ServerFixture.ReadAsync<VisitorObjection>(await kiosk.PostAsync(Objections, Json.Raw($$"""{"purpose":"{{purpose}}","store":"store-{{attack}}","date":"2026-01-05","channel":"kiosk"}""")));
        // A second objection, so that deleting the first still leaves a page to serve.
        Assert.Equal(HttpStatusCode.Created, (await kiosk.PostAsync(Objections, Json.Raw($$"""{"purpose":"{{purpose}}","store":"store-{{attack}}","date":"2026-01-06","channel":"web-form"}"""))).StatusCode);
        using var auditor = _server.As(Role.Auditor);
        Assert.DoesNotContain((await VerifyAsync(auditor)).Problems, p => p.Record?.Contains(recorded.Id, StringComparison.Ordinal) == true);
        Assert.Equal(2, (await ServerFixture.ReadAsync<List<VisitorObjection>>(await auditor.GetAsync($"{Objections}?purpose={purpose}"))).Count);

        Tamper(sql, purpose, recorded.Id);

        await AssertRefusedAsync(await auditor.GetAsync($"{Objections}?purpose={purpose}"));
        await AssertRefusedAsync(await auditor.GetAsync($"/v1/purposes/{purpose}/accountability"));
        var report = await VerifyAsync(auditor);
        var key = attack == "insert" ? "vob_forged" : recorded.Id;
        Assert.Contains(report.Problems, p => p.Kind == expected && p.Record == $"{RecordTables.PurposeDocuments}/{key}");
    }

    [Fact]
    public async Task A_purpose_registration_changed_in_the_database_is_refused_on_read_so_the_gate_never_sees_it()
    {
        // The gaps, the gate and the notice are built from the registration: rename the processor whose review is
        // missing, and without a check on the purposes row the gap naming it would disappear unnoticed.
        var purpose = await RegisterAsync("registration");
        using var controller = _server.As(Role.Controller);
        var before = await controller.GetStringAsync($"/v1/purposes/{purpose}/accountability");
        Assert.Contains("Insight Labs Inc.", before, StringComparison.Ordinal);

        Tamper("UPDATE purposes SET definition = replace(definition, 'Insight Labs Inc.', 'Insight Labs (reviewed)') WHERE id = @p", purpose);

        await AssertRefusedAsync(await controller.GetAsync($"/v1/purposes/{purpose}/accountability"));
        await AssertRefusedAsync(await controller.GetAsync("/v1/records"));
        using var auditor = _server.As(Role.Auditor);
        await AssertRefusedAsync(await auditor.GetAsync($"{Objections}?purpose={purpose}"));
        Assert.Contains((await VerifyAsync(auditor)).Problems, p => p.Kind == LedgerProblemKind.RecordDoesNotMatchLedger && p.Record == $"{RecordTables.Purposes}/{purpose}");
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{(int)response.StatusCode}: {body}");
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(DocumentNotCommittedException.ProblemType, problem.RootElement.GetProperty("type").GetString());
        Assert.Contains("ledger verify", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private async Task<PurposeId> RegisterAsync(string attack)
    {
        var purpose = PurposeId.Parse("store-tamper-" + attack);
        using var controller = _server.As(Role.Controller);
        Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.StoreAnalytics with { Id = purpose }))).StatusCode);
        return purpose;
    }

    private static async Task<LedgerVerificationReport> VerifyAsync(HttpClient auditor) =>
        await ServerFixture.ReadAsync<LedgerVerificationReport>(await auditor.PostAsync("/v1/ledger/verify", null));

    private void Tamper(string sql, PurposeId purpose, string? id = null)
    {
        SqliteConnection.ClearAllPools();
        using var connection = new SqliteConnection($"Data Source={System.IO.Path.Combine(_server.DataDirectory, "obscura.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DROP TRIGGER IF EXISTS purpose_documents_no_update; DROP TRIGGER IF EXISTS purpose_documents_no_delete; " + sql;
        command.Parameters.AddWithValue("@p", purpose.Value);
        command.Parameters.AddWithValue("@id", (object?)id ?? DBNull.Value);
        Assert.Equal(1, command.ExecuteNonQuery());
    }
}
