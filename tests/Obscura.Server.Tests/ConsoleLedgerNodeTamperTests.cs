using System.Net;
using Obscura.Governance.Access;

namespace Obscura.Server.Tests;

/// <summary>
/// A tree node replaced behind the server's back (triggers dropped, row updated) breaks the console's inclusion path
/// to the signed root: it shows as NOT VERIFIED. On a server of its own, as the entry-rewrite case (<see cref="ConsoleLedgerTamperTests"/>).
/// </summary>
public sealed class ConsoleLedgerNodeTamperTests(ServerFixture server) : IClassFixture<ServerFixture>
{
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

    private void Keys() => ConsoleTamper.Keys(server);

    private void Tamper(string sql) => ConsoleTamper.Tamper(server, sql);
}
