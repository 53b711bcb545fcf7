using Obscura.Governance.Access;

namespace Obscura.Server.Tests;

/// <summary>
/// The console's inclusion proof is checked on the server, not just displayed: an entry rewritten behind the server's
/// back (triggers dropped, rows updated) shows as NOT VERIFIED. The tree-node case has its own server
/// (<see cref="ConsoleLedgerNodeTamperTests"/>): each tampering damages the ledger the other would read.
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

    private void Keys() => ConsoleTamper.Keys(server);

    private void Tamper(string sql) => ConsoleTamper.Tamper(server, sql);
}
