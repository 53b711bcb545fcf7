using System.Net;
using System.Text.Json;
using Obscura.Governance.Access;
using Obscura.Governance.Ledger;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// <c>/health/ready</c> answers whether the server can serve and would start again: the database answers with a head
/// signed by the key in use, and the key file on disk is that key. <c>/health</c> stays a liveness check.
/// </summary>
public sealed class ReadinessTests : IDisposable
{
    private readonly ServerFixture _server = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string KeyFile => Path.Combine(_server.DataDirectory, "keys", "ledger-signing.pem");

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task A_working_folder_is_ready_and_says_which_checks_passed()
    {
        using var controller = _server.As(Role.Controller);
        Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/subjects", Json.Raw("""{"id":"ready-1"}"""), Ct)).StatusCode);

        var (status, body) = await ReadyAsync();

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("ok", body.GetProperty("checks").GetProperty("database").GetString());
        Assert.Equal("ok", body.GetProperty("checks").GetProperty("signingKey").GetString());
    }

    [Fact]
    public async Task A_deleted_or_replaced_signing_key_file_makes_the_server_not_ready_without_naming_paths_or_keys()
    {
        using var controller = _server.As(Role.Controller);
        Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/subjects", Json.Raw("""{"id":"ready-2"}"""), Ct)).StatusCode);
        var original = await File.ReadAllTextAsync(KeyFile, Ct);

        File.Delete(KeyFile);
        var (deleted, deletedBody) = await ReadyAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, deleted);
        Assert.Equal("the key file cannot be read", deletedBody.GetProperty("checks").GetProperty("signingKey").GetString());
        Assert.Equal("ok", deletedBody.GetProperty("checks").GetProperty("database").GetString());
        Assert.DoesNotContain(_server.DataDirectory, deletedBody.GetRawText(), StringComparison.Ordinal);

        using (var other = LedgerSigningKey.Generate())
        {
            await File.WriteAllTextAsync(KeyFile, other.ExportPrivateKeyPem(), Ct);
        }

        var (replaced, replacedBody) = await ReadyAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, replaced);
        Assert.Equal("the key file is not the key in use", replacedBody.GetProperty("checks").GetProperty("signingKey").GetString());
        Assert.DoesNotContain("PRIVATE", replacedBody.GetRawText(), StringComparison.Ordinal);

        await File.WriteAllTextAsync(KeyFile, "not a key", Ct);
        Assert.Equal("the key file is not a signing key", (await ReadyAsync()).Body.GetProperty("checks").GetProperty("signingKey").GetString());

        await File.WriteAllTextAsync(KeyFile, original, Ct);
        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync()).Status);
        using var anonymous = _server.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health", Ct)).StatusCode); // liveness is not readiness
    }

    [Fact]
    public async Task A_database_that_stops_answering_makes_the_server_not_ready()
    {
        Assert.SkipWhen(PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1: PostgreSQL tests skipped on purpose.");
        var database = PostgresServer.Shared.CreateDatabase();
        using var server = new PostgresServerFixture(PostgresServer.Shared.Uri(database));
        using (var controller = server.As(Role.Controller))
        {
            Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/subjects", Json.Raw("""{"id":"ready-3"}"""), Ct)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(server)).Status);

        PostgresServer.Shared.DropDatabase(database); // closes the server's connections too

        var (status, body) = await ReadyAsync(server);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.StartsWith("unavailable: ", body.GetProperty("checks").GetProperty("database").GetString(), StringComparison.Ordinal);
        Assert.Equal("ok", body.GetProperty("checks").GetProperty("signingKey").GetString());
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> ReadyAsync() => ReadyAsync(_server);

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReadyAsync(ServerFixture server)
    {
        using var anonymous = server.Anonymous();
        var response = await anonymous.GetAsync("/health/ready", Ct);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone());
    }
}
