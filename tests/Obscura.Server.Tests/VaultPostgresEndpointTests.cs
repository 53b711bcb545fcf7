using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Npgsql;
using Obscura.Governance.Access;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>The server on PostgreSQL keeps the vault's catalogue in the same database; blobs and keys stay in the data folder.</summary>
public sealed class VaultPostgresEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task On_postgres_the_vault_catalogue_is_in_the_database_and_the_blobs_in_the_data_folder()
    {
        Assert.SkipWhen(PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1: PostgreSQL tests skipped on purpose.");
        var database = PostgresServer.Shared.CreateDatabase();
        try
        {
            using var server = new PostgresServerFixture(PostgresServer.Shared.Uri(database));
            using var controller = server.As(Role.Controller);
            using var processor = server.As(Role.Processor);
            await controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.IdentityVerification), Ct);
            Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/subjects", Json.Raw("""{"id":"vault-pg"}"""), Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync("/v1/subjects/vault-pg/consents", Json.Raw("""{"purpose":"identity-verification","noticeVersion":"n1","explicit":true,"channel":"app"}"""), Ct)).StatusCode);
            var image = new byte[4096];
            new Random(5).NextBytes(image);
            var blob = new ByteArrayContent(image);
            blob.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            var created = await processor.PostAsync("/v1/vault/objects?subject=vault-pg&purpose=identity-verification&source=branch-1", blob, Ct);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString()!;
            Assert.Equal(image, await (await processor.GetAsync($"/v1/vault/objects/{id}?purpose=identity-verification", Ct)).Content.ReadAsByteArrayAsync(Ct));

            var vault = Path.Combine(server.DataDirectory, "vault");
            Assert.False(File.Exists(Path.Combine(vault, "vault.db")));
            Assert.Single(Directory.GetFiles(Path.Combine(vault, "objects"), id + ".obj", SearchOption.AllDirectories));
            await using var connection = new NpgsqlConnection(PostgresServer.Shared.ConnectionString(database));
            await connection.OpenAsync(Ct);
            await using var command = new NpgsqlCommand("SELECT id || ' ' || state FROM vault_objects", connection);
            Assert.Equal(id + " stored", await command.ExecuteScalarAsync(Ct));
        }
        finally
        {
            PostgresServer.Shared.DropDatabase(database);
        }
    }
}
