using Microsoft.Data.Sqlite;
using Obscura.Governance.Access;
using Obscura.Governance.Accountability;
using Obscura.Governance.Ledger;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// Objection rows changed behind the server's back (issue 16) are reported by ledger verification. These tests damage
/// their server's database on purpose, so they have a server of their own: sharing one with
/// <see cref="StoreObjectionEndpointTests"/> made its "the ledger is intact" check depend on the order tests ran in.
/// </summary>
public sealed class StoreObjectionTamperTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _server = server;

    [Theory]
    [InlineData("update", "UPDATE purpose_documents SET body = replace(body, 'kiosk', 'staff') WHERE id = @id", LedgerProblemKind.RecordDoesNotMatchLedger)]
    [InlineData("delete", "DELETE FROM purpose_documents WHERE id = @id", LedgerProblemKind.CommittedRecordMissing)]
    [InlineData("insert", "INSERT INTO purpose_documents (id, purpose, kind, body, recorded_at, actor) SELECT 'vob_forged', purpose, kind, body, recorded_at, actor FROM purpose_documents WHERE id = @id", LedgerProblemKind.RecordNotInLedger)]
    public async Task An_objection_row_altered_in_the_database_is_reported_by_ledger_verification(string attack, string sql, LedgerProblemKind expected)
    {
        using (var controller = _server.As(Role.Controller))
        {
            await controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.StoreAnalytics), TestContext.Current.CancellationToken); // 201, or 409 once made
        }

        using var kiosk = _server.As(Role.ObjectionIntake);
        var recorded = await ServerFixture.ReadAsync<VisitorObjection>(await kiosk.PostAsync("/v1/store/objections", Json.Raw($$"""{"purpose":"store-analytics","store":"store-{{attack}}","date":"2026-01-05","channel":"kiosk"}""")));
        using var auditor = _server.As(Role.Auditor);
        Assert.DoesNotContain((await ServerFixture.ReadAsync<LedgerVerificationReport>(await auditor.PostAsync("/v1/ledger/verify", null))).Problems, p => p.Record?.Contains(recorded.Id, StringComparison.Ordinal) == true);

        Tamper(sql, recorded.Id);
        var report = await ServerFixture.ReadAsync<LedgerVerificationReport>(await auditor.PostAsync("/v1/ledger/verify", null));
        var key = attack == "insert" ? "vob_forged" : recorded.Id;
        Assert.Contains(report.Problems, p => p.Kind == expected && p.Record == $"{RecordTables.PurposeDocuments}/{key}");
    }

    private void Tamper(string sql, string id)
    {
        SqliteConnection.ClearAllPools();
        using var connection = new SqliteConnection($"Data Source={System.IO.Path.Combine(_server.DataDirectory, "obscura.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DROP TRIGGER IF EXISTS purpose_documents_no_update; DROP TRIGGER IF EXISTS purpose_documents_no_delete; " + sql;
        command.Parameters.AddWithValue("@id", id);
        Assert.Equal(1, command.ExecuteNonQuery());
    }
}
