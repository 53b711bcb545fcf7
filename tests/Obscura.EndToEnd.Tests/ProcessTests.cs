using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Obscura.Cli;
using Obscura.Governance.Ledger;
using Obscura.Storage;
using Obscura.TestSupport;

namespace Obscura.EndToEnd.Tests;

/// <summary>The server and CLI as the real processes a user runs.</summary>
public sealed class ProcessTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string Data => Path.Combine(_dir.Path, "data");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Server_process_serves_the_cli_process_and_the_data_folder_verifies_afterwards()
    {
        string key;
        await using (var server = await RunningServer.StartAsync(Data))
        {
            key = (await File.ReadAllTextAsync(Path.Combine(Data, DataFolder.BootstrapKeyFileName))).Trim();
            var register = await Built.RunCliAsync("--server", server.Url.ToString(), "--api-key", key, "subjects", "register", "--id", "erin");
            Assert.True(register.Code == ExitCodes.Success, register.Err);
            var head = await Built.RunCliAsync("--server", server.Url.ToString(), "--api-key", key, "ledger", "head");
            // The bootstrap key's creation, then the registration.
            Assert.Equal(2, JsonDocument.Parse(head.Out).RootElement.GetProperty("treeSize").GetInt64());
            var unauthorised = await Built.RunCliAsync("--server", server.Url.ToString(), "--api-key", "obk_x_y", "subjects", "list");
            Assert.Equal(ExitCodes.ServerUnavailable, unauthorised.Code);
        }

        var verify = await Built.RunCliAsync("--data", Data, "ledger", "verify");
        Assert.True(verify.Code == ExitCodes.Success, verify.Out + verify.Err);
    }

    [Fact]
    public async Task The_server_writes_no_key_material_to_the_home_folder_and_warns_about_none()
    {
        var home = Path.Combine(_dir.Path, "home");
        Directory.CreateDirectory(home);
        string output;
        await using (var server = await RunningServer.StartAsync(Data, new Dictionary<string, string> { ["HOME"] = home }))
        {
            var key = (await File.ReadAllTextAsync(Path.Combine(Data, DataFolder.BootstrapKeyFileName))).Trim();
            using var client = new HttpClient { BaseAddress = server.Url };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            Assert.True((await client.PostAsJsonAsync("/v1/subjects", new { id = "home-check" })).IsSuccessStatusCode);
            Assert.True((await client.GetAsync("/v1/subjects")).IsSuccessStatusCode);
            output = server.Output;
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(home, "*", SearchOption.AllDirectories));
        Assert.DoesNotContain("DataProtection", output, StringComparison.Ordinal);
        Assert.DoesNotContain("unencrypted", output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Two_servers_and_cli_processes_on_one_folder_commit_every_access_log_row_exactly_once()
    {
        Assert.Equal(ExitCodes.Success, (await Built.RunCliAsync("--data", Data, "init")).Code);
        Assert.Equal(ExitCodes.Success, (await Built.RunCliAsync("--data", Data, "subjects", "register", "--id", "shared")).Code);
        var key = (await File.ReadAllTextAsync(Path.Combine(Data, DataFolder.BootstrapKeyFileName))).Trim();
        string[] settings = ["--Obscura:AccessLog:BatchSize", "3", "--Obscura:RetentionIntervalMinutes", "0"];
        const int ReadsPerServer = 40;
        const int CliReads = 4;
        await using (var first = await RunningServer.StartAsync(Data, null, settings))
        await using (var second = await RunningServer.StartAsync(Data, null, settings))
        {
            var servers = new[] { first, second }.Select(s => Task.Run(async () =>
            {
                using var client = new HttpClient { BaseAddress = s.Url };
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
                for (var i = 0; i < ReadsPerServer; i++)
                {
                    Assert.True((await client.GetAsync("/v1/subjects/shared/consents")).IsSuccessStatusCode);
                }
            }));
            var cli = Enumerable.Range(0, CliReads).Select(_ => Built.RunCliAsync("--data", Data, "consent", "status", "--subject", "shared"));
            await Task.WhenAll(servers.Concat(cli.Select(async t => Assert.Equal(ExitCodes.Success, (await t).Code))));
        }

        using var folder = DataFolder.Open(Data);
        var ledger = new LedgerService(folder.Store, new AuditLedger(folder.SigningKey, TimeProvider.System));
        var report = await ledger.VerifyAsync(null, null, CancellationToken.None);
        Assert.True(report.Intact, string.Join("; ", report.Problems.Select(p => p.Message)));

        // Batches are contiguous (verification checks it), so the committed rows and the pending ones add up to all reads.
        var batches = new List<(long First, long Last)>();
        for (long from = 0; ; from += 1000)
        {
            var page = (await ledger.GetEntriesAsync(from, 1000, CancellationToken.None)).Value!;
            batches.AddRange(page.Where(e => e.Event.Commitment?.Table == RecordTables.AccessLog).Select(e => e.Event.Commitment!.Key.Split('-')).Select(k => (long.Parse(k[0], System.Globalization.CultureInfo.InvariantCulture), long.Parse(k[1], System.Globalization.CultureInfo.InvariantCulture))));
            if (page.Count < 1000)
            {
                break;
            }
        }

        Assert.True(batches.Count >= 2, "the servers committed fewer than two batches");
        Assert.Equal((2 * ReadsPerServer) + CliReads, batches.Sum(b => b.Last - b.First + 1) + report.PendingAccessRecords);
    }

    [Fact]
    public async Task Killing_the_server_under_load_leaves_no_record_without_its_ledger_entry()
    {
        var server = await RunningServer.StartAsync(Data);
        var key = (await File.ReadAllTextAsync(Path.Combine(Data, DataFolder.BootstrapKeyFileName))).Trim();
        using var client = new HttpClient { BaseAddress = server.Url };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 5_000 && !stop.IsCancellationRequested; i++)
            {
                try
                {
                    await client.PostAsJsonAsync("/v1/subjects", new { id = $"w{w}-{i}" }, stop.Token);
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                {
                    return;
                }
            }
        })).ToList();

        await Task.Delay(TimeSpan.FromSeconds(2));
        server.Crash();
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        await server.DisposeAsync();

        using var folder = DataFolder.Open(Data);
        var ledger = new LedgerService(folder.Store, new AuditLedger(folder.SigningKey, TimeProvider.System));
        var report = await ledger.VerifyAsync(null, null, CancellationToken.None);
        Assert.True(report.Intact, string.Join("; ", report.Problems.Select(p => p.Message)));
        Assert.True(report.EntryCount > 0, "no write happened before the crash");

        var subjects = await folder.Store.ReadAsync((s, ct) => s.ListSubjectsAsync(null, 1_000_000, ct), CancellationToken.None);
        var logged = new HashSet<string>();
        for (long from = 0; ; from += 1000)
        {
            var page = (await ledger.GetEntriesAsync(from, 1000, CancellationToken.None)).Value!;
            logged.UnionWith(page.Where(e => e.Event.DataCategory.Value == "subject-record").Select(e => e.Event.Subject!.Value.Value));
            if (page.Count < 1000)
            {
                break;
            }
        }

        Assert.Equal(subjects.Select(s => s.Id.Value).Order(), logged.Order());
    }
}
