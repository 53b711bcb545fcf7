using System.Net;
using Microsoft.Data.Sqlite;
using Obscura.Governance.Access;

namespace Obscura.Server.Tests;

/// <summary>
/// The console's inclusion proof is checked on the server, not just displayed: an entry rewritten, or a tree node
/// replaced, behind the server's back (triggers dropped, rows updated) shows as NOT VERIFIED.
/// </summary>
public sealed class ConsoleLedgerTamperTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task An_entry_rewritten_in_the_database_no_longer_verifies()
    {
        Keys();
        using var auditor = ConsoleClient.For(server);
        await auditor.SignInAsync(server.KeyOf(Role.Auditor));
        var before = await auditor.Http.GetStringAsync("/console/ledger?leaf=1");
        Assert.Contains("<span class=\"ok\">Verified</span>", before, StringComparison.Ordinal);
        Assert.Contains("The entry's content hashes to this leaf.", before, StringComparison.Ordinal);

        Tamper("UPDATE ledger_entries SET actor = 'apikey:someone-else' WHERE seq = 1;");
        var after = await auditor.Http.GetStringAsync("/console/ledger?leaf=1");
        Assert.Contains("NOT VERIFIED", after, StringComparison.Ordinal);
        Assert.Contains("does NOT hash to this leaf", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tree_node_replaced_in_the_database_breaks_the_path_to_the_signed_root()
    {
        Keys();
        using var controller = ConsoleClient.For(server);
        await controller.SignInAsync(server.KeyOf(Role.Controller));

        // Controllers see proofs but not entries: this is the path check alone.
        var before = await controller.Http.GetAsync("/console/ledger?leaf=2");
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Contains("<span class=\"ok\">Verified</span>", await before.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Tamper("UPDATE ledger_nodes SET hash = zeroblob(32) WHERE level = 0 AND idx = 3;");
        var after = await controller.Http.GetStringAsync("/console/ledger?leaf=2");
        Assert.Contains("NOT VERIFIED", after, StringComparison.Ordinal);
        Assert.DoesNotContain("<span class=\"ok\">Verified</span>", after, StringComparison.Ordinal);
    }

    /// <summary>Three key creations: ledger entries 0 to 2, at least.</summary>
    private void Keys()
    {
        server.KeyOf(Role.Controller);
        server.KeyOf(Role.Auditor);
        server.KeyOf(Role.Processor);
    }

    private void Tamper(string sql)
    {
        SqliteConnection.ClearAllPools();
        using var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "obscura.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DROP TRIGGER IF EXISTS ledger_entries_no_update; DROP TRIGGER IF EXISTS ledger_nodes_no_update; " + sql;
        Assert.Equal(1, command.ExecuteNonQuery());
    }
}
