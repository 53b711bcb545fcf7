using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Server.Hosting;

namespace Obscura.Server.Tests;

/// <summary>
/// The server's periodic full verification closes what the per-read proofs cannot see: a revoked key un-revoked in
/// the database with its revocation's ledger entry deleted (found by an adversarial review) authenticates on read,
/// until the next verification marks the ledger altered; from then on nothing authenticates or is decided. The
/// background loop is off here and the verification called directly, so nothing depends on timing. This class's
/// server is damaged on purpose and serves no other test.
/// </summary>
public sealed class LedgerVerificationTests(LedgerVerificationTests.UnverifiedServer server) : IClassFixture<LedgerVerificationTests.UnverifiedServer>
{
    [Fact]
    public async Task A_revocation_undone_in_the_database_is_found_by_the_next_verification_and_then_nothing_authenticates()
    {
        var ct = TestContext.Current.CancellationToken;
        var verification = server.Services.GetRequiredService<LedgerVerificationService>();
        var keys = server.Services.GetRequiredService<ApiKeys>();
        using var controller = server.As(Role.Controller);
        var gone = (await keys.CreateAsync("review-gone", Role.Controller, null, ct)).Value.Key;
        using var revoked = server.CreateClient();
        revoked.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", gone);
        Assert.Equal(HttpStatusCode.OK, (await revoked.GetAsync("/v1/ledger/head", ct)).StatusCode);
        Assert.True((await keys.RevokeAsync(Actor.Parse("test:admin"), "review-gone", ct)).Succeeded);
        Assert.Equal(HttpStatusCode.Unauthorized, (await revoked.GetAsync("/v1/ledger/head", ct)).StatusCode);
        Assert.True(await verification.VerifyOnceAsync(ct));

        // Un-revoke the row and delete the revocation's entry: the creation entry is again the key's latest commitment,
        // genuine and in the signed tree, so the per-read check passes (the documented limit).
        Tamper("""
            UPDATE api_keys SET revoked_at = NULL WHERE name = 'review-gone';
            DELETE FROM ledger_entries WHERE seq = (SELECT MAX(seq) FROM ledger_entries WHERE record_table = 'api_keys' AND record_key = (SELECT id FROM api_keys WHERE name = 'review-gone'));
            """);
        Assert.Equal(HttpStatusCode.OK, (await revoked.GetAsync("/v1/ledger/head", ct)).StatusCode);

        Assert.False(await verification.VerifyOnceAsync(ct));
        Assert.Equal(HttpStatusCode.Unauthorized, (await revoked.GetAsync("/v1/ledger/head", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await controller.GetAsync("/v1/ledger/head", ct)).StatusCode);
        Assert.NotNull(server.Services.GetRequiredService<Obscura.Governance.Ledger.AuditLedger>().AlteredReason);
    }

    private void Tamper(string sql)
    {
        SqliteConnection.ClearAllPools();
        using var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "obscura.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'trigger'";
        var triggers = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                triggers.Add(reader.GetString(0));
            }
        }

        command.CommandText = string.Concat(triggers.Select(t => $"DROP TRIGGER \"{t}\";")) + sql;
        Assert.True(command.ExecuteNonQuery() >= 2);
    }

    /// <summary>A server whose background verification is off: the test runs it.</summary>
    public sealed class UnverifiedServer : ServerFixture
    {
        protected override void Configure(IWebHostBuilder builder) => builder.UseSetting("Obscura:LedgerVerifyIntervalMinutes", "0");
    }
}
