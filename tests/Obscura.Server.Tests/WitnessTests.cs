using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Obscura.Governance.Access;
using Obscura.Governance.Ledger;
using Obscura.Governance.Serialization;
using Obscura.Server.Console;
using Obscura.Server.Hosting;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// The server publishes signed heads to a witness folder and URL (issue 12, finding 10). The background loop is
/// removed here and <see cref="LedgerWitness.PublishAsync"/> called directly, so nothing depends on timing.
/// </summary>
public sealed class WitnessTests(WitnessTests.FolderWitnessed server, WitnessTests.UrlWitnessed urlServer) : IClassFixture<WitnessTests.FolderWitnessed>, IClassFixture<WitnessTests.UrlWitnessed>
{
    [Fact]
    public async Task Each_new_head_reaches_the_folder_owner_only_and_a_cut_back_ledger_never_overwrites_it()
    {
        using var controller = server.As(Role.Controller);
        var witness = server.Services.GetRequiredService<LedgerWitness>();
        Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/subjects", Json.Raw("""{"id":"w-1"}"""))).StatusCode);
        Assert.True(await witness.PublishAsync(CancellationToken.None));

        var file = Path.Combine(server.WitnessFolder, LedgerWitness.FileName);
        var head = await server.Services.GetRequiredService<LedgerService>().GetLatestHeadAsync(CancellationToken.None);
        Assert.Equal(head!.TreeSize, Saved(file).TreeSize);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(server.WitnessFolder));
        }

        Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/subjects", Json.Raw("""{"id":"w-2"}"""))).StatusCode);
        Assert.True(await witness.PublishAsync(CancellationToken.None));
        var witnessed = Saved(file);
        Assert.Equal(head.TreeSize + 1, witnessed.TreeSize);

        // Cut the last entry off behind the server's back; the witness keeps the head that proves it.
        SqliteConnection.ClearAllPools();
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "obscura.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            var keep = witnessed.TreeSize - 1;
            command.CommandText = $"""
                DROP TRIGGER ledger_entries_no_delete; DROP TRIGGER ledger_heads_no_delete; DROP TRIGGER ledger_nodes_no_delete;
                DELETE FROM ledger_entries WHERE seq >= {keep}; DELETE FROM ledger_heads WHERE tree_size > {keep};
                DELETE FROM ledger_nodes WHERE (idx + 1) * (1 << level) > {keep}; DELETE FROM subjects WHERE id = 'w-2';
                """;
            command.ExecuteNonQuery();
        }

        Assert.False(await witness.PublishAsync(CancellationToken.None));
        Assert.Equal(witnessed.TreeSize, Saved(file).TreeSize);
        Assert.Equal(witnessed.RootHash, Saved(file).RootHash);
    }

    [Fact]
    public async Task A_witness_url_gets_the_head_as_json_and_a_failed_post_is_retried()
    {
        var server = urlServer;
        using var controller = server.As(Role.Controller);
        var witness = server.Services.GetRequiredService<LedgerWitness>();
        Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/subjects", Json.Raw("""{"id":"u-1"}"""))).StatusCode);
        var before = server.Url.Bodies.Count;
        server.Url.Answer = HttpStatusCode.ServiceUnavailable;
        Assert.False(await witness.PublishAsync(CancellationToken.None));
        server.Url.Answer = HttpStatusCode.OK;
        Assert.True(await witness.PublishAsync(CancellationToken.None));
        Assert.True(await witness.PublishAsync(CancellationToken.None));
        Assert.Equal(before + 2, server.Url.Bodies.Count);

        var head = await server.Services.GetRequiredService<LedgerService>().GetLatestHeadAsync(CancellationToken.None);
        var posted = server.Url.Bodies.TakeLast(2).Select(b => JsonSerializer.Deserialize<SignedTreeHead>(b, GovernanceJson.Options)!).ToList();
        Assert.All(posted, p => Assert.Equal(head!.TreeSize, p.TreeSize));
        Assert.True(server.Services.GetRequiredService<LedgerService>().VerificationKey.Verify(posted[^1]));
        Assert.Equal(new Uri("http://witness.test/heads"), server.Url.Targets[^1]);
    }

    [Fact]
    public void The_server_keeps_data_protection_keys_in_memory_only_and_runs_the_witness_only_when_configured()
    {
        // Data Protection serves only the console's antiforgery tokens. ASP.NET's default would write its key ring
        // unencrypted to the home folder at every start; the console keeps it in memory instead.
        Assert.IsType<InMemoryKeyRing>(server.Services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.XmlRepository);
        var protector = server.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test");
        Assert.Equal("x", protector.Unprotect(protector.Protect("x")));
        using var plain = new ServerFixture();
        Assert.DoesNotContain(plain.Services.GetServices<IHostedService>(), s => s is LedgerWitnessService);
        Assert.Contains(server.Registered, t => t == typeof(LedgerWitnessService));
    }

    private static SignedTreeHead Saved(string file) => JsonSerializer.Deserialize<SignedTreeHead>(File.ReadAllText(file), GovernanceJson.Options)!;

    /// <summary>The server with a witness folder.</summary>
    public sealed class FolderWitnessed : WitnessedServer
    {
        protected override void Configure(IWebHostBuilder builder)
        {
            builder.UseSetting("Obscura:Witness:Folder", WitnessFolder);
            base.Configure(builder);
        }
    }

    /// <summary>The server with a witness URL, which answers through <see cref="RecordingHandler"/>.</summary>
    public sealed class UrlWitnessed : WitnessedServer
    {
        protected override void Configure(IWebHostBuilder builder)
        {
            builder.UseSetting("Obscura:Witness:Url", "http://witness.test/heads");
            base.Configure(builder);
        }
    }

    /// <summary>The server with a witness, without its background loop.</summary>
    public abstract class WitnessedServer : ServerFixture
    {
        private readonly TempDirectory _witness = new();

        public string WitnessFolder => Path.Combine(_witness.Path, "witness");

        public RecordingHandler Url { get; } = new();

        public List<Type> Registered { get; } = [];

        protected override void Configure(IWebHostBuilder builder)
        {
            builder.ConfigureTestServices(services =>
            {
                services.AddHttpClient(LedgerWitness.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => Url);
                foreach (var d in services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(LedgerWitnessService)).ToList())
                {
                    Registered.Add(d.ImplementationType!);
                    services.Remove(d);
                }
            });
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                _witness.Dispose();
            }
        }
    }

    /// <summary>Records what is posted and answers with <see cref="Answer"/>.</summary>
    public sealed class RecordingHandler : HttpMessageHandler
    {
        public HttpStatusCode Answer { get; set; } = HttpStatusCode.OK;

        public List<string> Bodies { get; } = [];

        public List<Uri> Targets { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Bodies.Add(await request.Content!.ReadAsStringAsync(cancellationToken));
            Targets.Add(request.RequestUri!);
            return new HttpResponseMessage(Answer);
        }
    }
}
