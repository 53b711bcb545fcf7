using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Obscura.Cli;
using Obscura.Governance.Serialization;
using Obscura.Storage;
using Obscura.TestSupport;

namespace Obscura.EndToEnd.Tests;

/// <summary>
/// Issue 12, finding 6: the decision budget was a read-modify-write behind an in-process lock, so concurrent decisions
/// from the server and CLI processes on one data folder lost counts, and deleting the budget file reset it. Real
/// processes here: one server and several CLI processes deciding at once on one folder.
/// </summary>
public sealed class DecisionBudgetProcessTests : IDisposable
{
    private const int CliDecisions = 5;
    private const int ServerDecisions = 5;
    private readonly TempDirectory _dir = new();
    private readonly Random _random = new(17);

    private string Data => Path.Combine(_dir.Path, "data");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Concurrent_decisions_from_server_and_cli_processes_count_exactly_and_a_deleted_state_refuses_to_decide()
    {
        var faces = new Dictionary<string, float[]>();
        long UsedIn(string report) => JsonDocument.Parse(report).RootElement.GetProperty("keys").EnumerateArray().Sum(k => k.GetProperty("decisions").GetInt64());

        // The provider keys are created once, at set-up, not in the server's first request; a second init changes nothing.
        var init = await Built.RunCliAsync("--data", Data, "faces", "init");
        Assert.True(init.Code == ExitCodes.Success, init.Err + init.Out);
        Assert.True(JsonDocument.Parse(init.Out).RootElement.GetProperty("created").GetBoolean());
        var again = await Built.RunCliAsync("--data", Data, "faces", "init");
        Assert.False(JsonDocument.Parse(again.Out).RootElement.GetProperty("created").GetBoolean());
        Assert.Equal(JsonDocument.Parse(init.Out).RootElement.GetProperty("encryptionKeyId").GetString(), JsonDocument.Parse(again.Out).RootElement.GetProperty("encryptionKeyId").GetString());
        await using (var server = await RunningServer.StartAsync(Data, null))
        {
            var apiKey = (await File.ReadAllTextAsync(Path.Combine(Data, DataFolder.BootstrapKeyFileName), Ct)).Trim();
            using var client = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromMinutes(5) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            async Task PostAsync(string path, string json)
            {
                using var response = await client.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"), Ct);
                Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
            }

            await PostAsync("/v1/purposes", JsonSerializer.Serialize(SamplePurposes.IdentityVerification, GovernanceJson.Options));
            foreach (var subject in new[] { "cli-subject", "server-subject" })
            {
                await PostAsync("/v1/subjects", JsonSerializer.Serialize(new { id = subject }));
                await PostAsync($"/v1/subjects/{subject}/consents", """{"purpose":"identity-verification","noticeVersion":"v1","explicit":true,"channel":"app"}""");
                faces[subject] = Vector(1.0);
                await PostAsync("/v1/onboarding", JsonSerializer.Serialize(new { subject, embedding = Noisy(faces[subject]) }));
            }

            // Now the server and the CLI processes decide at once, each process with its own key holder over one folder.
            var cliProbes = Enumerable.Range(0, CliDecisions).Select(_ => Capture(faces["cli-subject"])).ToArray();
            var serverProbes = Enumerable.Range(0, ServerDecisions).Select(_ => Noisy(faces["server-subject"])).ToArray();
            var cli = cliProbes.Select(probe => Built.RunCliAsync("--data", Data, "faces", "verify", "--subject", "cli-subject", "--embedding", probe));
            var http = serverProbes.Select(async probe =>
            {
                using var response = await client.PostAsJsonAsync("/v1/verification", new { subject = "server-subject", embedding = probe }, Ct);
                return (Code: response.IsSuccessStatusCode ? ExitCodes.Success : ExitCodes.Refused, Out: string.Empty, Err: await response.Content.ReadAsStringAsync(Ct));
            });
            var results = await Task.WhenAll(cli.Concat(http));
            Assert.All(results, r => Assert.True(r.Code == ExitCodes.Success, r.Err + r.Out));
        }

        var report = await Built.RunCliAsync("--data", Data, "faces", "decision-report");
        Assert.True(report.Code == ExitCodes.Success, report.Err + report.Out);
        Assert.Equal(CliDecisions + ServerDecisions, UsedIn(report.Out));

        // Deleting the key holder's state does not start a fresh count: the key has no state, so nothing decides.
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Data, "biometrics", "keyholder"), "state.db*"))
        {
            File.Delete(file);
        }

        var refused = await Built.RunCliAsync("--data", Data, "faces", "verify", "--subject", "cli-subject", "--embedding", Capture(faces["cli-subject"]));
        Assert.Equal(ExitCodes.Refused, refused.Code);
        Assert.Contains("is missing", refused.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Refused, (await Built.RunCliAsync("--data", Data, "faces", "decision-report")).Code);
    }

    private float[] Noisy(float[] identity) => [.. identity.Zip(Vector(0.5), (a, b) => a + b)];

    private string Capture(float[] identity) => Write(JsonSerializer.Serialize(Noisy(identity)));

    private float[] Vector(double norm) =>
        [.. Enumerable.Range(0, 128).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble()) * norm / Math.Sqrt(128)))];

    private string Write(string content)
    {
        var path = Path.Combine(_dir.Path, $"in-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, content);
        return path;
    }
}
