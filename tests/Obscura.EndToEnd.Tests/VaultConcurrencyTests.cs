using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Obscura.Cli;
using Obscura.Governance.Ledger;
using Obscura.Governance.Serialization;
using Obscura.Storage;
using Obscura.TestSupport;

namespace Obscura.EndToEnd.Tests;

/// <summary>Two processes on one vault folder: the built server ingesting while CLI processes open the same vault.</summary>
public sealed class VaultConcurrencyTests : IDisposable
{
    private const int Ingesters = 4;
    private readonly TempDirectory _dir = new();

    private string Data => Path.Combine(_dir.Path, "data");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Vault_commands_run_in_a_loop_during_a_server_ingest_lose_no_acknowledged_object()
    {
        var ct = TestContext.Current.CancellationToken;
        await SetUpAsync();
        var acknowledged = new ConcurrentBag<string>();
        var failures = new ConcurrentBag<string>();
        var perIngester = new int[Ingesters];
        var cliResults = new List<(string Command, int Code, string Output)>();
        await using (var server = await RunningServer.StartAsync(Data))
        {
            var key = (await File.ReadAllTextAsync(Path.Combine(Data, DataFolder.BootstrapKeyFileName), ct)).Trim();
            using var client = new HttpClient { BaseAddress = server.Url };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var stop = new CancellationTokenSource();
            var ingesters = Enumerable.Range(0, Ingesters).Select(w => Task.Run(async () =>
            {
                var blob = new byte[2048];
                new Random(w).NextBytes(blob);
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    using var content = new ByteArrayContent(blob);
                    content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                    using var response = await client.PostAsync($"/v1/vault/objects?subject=s{w}&purpose=identity-verification&source=camera-{w}", content, CancellationToken.None);
                    var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        acknowledged.Add(JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!);
                        Interlocked.Increment(ref perIngester[w]);
                    }
                    else
                    {
                        failures.Add($"{(int)response.StatusCode}: {body}");
                    }
                }
            }, CancellationToken.None)).ToList();

            // Count-based: once every client has stored twice, the CLI processes run a fixed number of times while the ingest
            // keeps going; the ingest stops after them.
            while (Enumerable.Range(0, Ingesters).Any(w => perIngester[w] < 2) && failures.IsEmpty)
            {
                await Task.Delay(10, ct);
            }

            // Every command opens the vault, so each runs recovery; check and retention run it again under the maintenance lock.
            string[][] commands = [["vault", "check"], ["retention", "run"], ["vault", "report"], ["vault", "check"]];
            foreach (var command in commands)
            {
                var (code, output, error) = await Built.RunCliAsync(["--data", Data, .. command]);
                cliResults.Add((string.Join(' ', command), code, output + error));
            }

            var before = acknowledged.Count;
            await stop.CancelAsync();
            await Task.WhenAll(ingesters);
            Assert.True(before > 2 * Ingesters, "the ingest did not run alongside the CLI processes");

            // Every acknowledged object reads back through the server that stored it.
            var unreadable = new ConcurrentBag<string>();
            await Parallel.ForEachAsync(acknowledged, new ParallelOptions { MaxDegreeOfParallelism = Ingesters, CancellationToken = ct }, async (id, token) =>
            {
                using var read = await client.GetAsync($"/v1/vault/objects/{id}?purpose=identity-verification", token);
                if (read.StatusCode != HttpStatusCode.OK)
                {
                    unreadable.Add($"{id}: {(int)read.StatusCode} {await read.Content.ReadAsStringAsync(token)}");
                }
            });
            Assert.Empty(unreadable);
        }

        // Every acknowledged object is stored and in the ledger; nothing was rolled back; the vault is consistent.
        var check = await Cli.RunAsync("--data", Data, "vault", "check");
        Assert.True(check.Code == ExitCodes.Success, check.Out + check.Err);
        Assert.Equal(acknowledged.Count, JsonDocument.Parse(check.Out).RootElement.GetProperty("objects").GetInt32());

        using var folder = DataFolder.Open(Data);
        var ledger = new LedgerService(folder.Store, new AuditLedger(folder.SigningKey, TimeProvider.System));
        Assert.True((await ledger.VerifyAsync(null, null, ct)).Intact);
        var created = new HashSet<string>(StringComparer.Ordinal);
        var deleted = new HashSet<string>(StringComparer.Ordinal);
        for (long from = 0; ; from += 1000)
        {
            var page = (await ledger.GetEntriesAsync(from, 1000, ct)).Value!;
            created.UnionWith(page.Where(e => e.Event.Action == AuditAction.Create && e.Event.To == "vault:objects").Select(e => e.Event.Reference!));
            deleted.UnionWith(page.Where(e => e.Event.Action == AuditAction.Delete && e.Event.From == "vault:objects").Select(e => e.Event.Reference!));
            if (page.Count < 1000)
            {
                break;
            }
        }

        Assert.Subset(created, acknowledged.ToHashSet(StringComparer.Ordinal));
        Assert.Empty(deleted);
        Assert.Empty(failures);
        Assert.All(cliResults, r => Assert.True(r.Code == ExitCodes.Success, $"{r.Command}: {r.Output}"));
    }

    private async Task SetUpAsync()
    {
        var purpose = Path.Combine(_dir.Path, "purpose.json");
        await File.WriteAllBytesAsync(purpose, JsonSerializer.SerializeToUtf8Bytes(SamplePurposes.IdentityVerification, GovernanceJson.Indented));
        Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "purposes", "register", "--file", purpose)).Code);
        for (var i = 0; i < Ingesters; i++)
        {
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "subjects", "register", "--id", $"s{i}")).Code);
            Assert.Equal(ExitCodes.Success, (await Cli.RunAsync("--data", Data, "consent", "give", "--subject", $"s{i}", "--purpose", "identity-verification", "--notice-version", "v1", "--channel", "desk", "--explicit")).Code);
        }
    }
}
