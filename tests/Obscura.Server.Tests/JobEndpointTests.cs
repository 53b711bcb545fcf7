using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Governance.Access;
using Obscura.Governance.Ledger;
using Obscura.ModelPrivacy.Data;
using Obscura.ModelPrivacy.Minimisation;

namespace Obscura.Server.Tests;

/// <summary>Jobs run by the server's own worker (concurrency 1) over a real SQLite data folder.</summary>
public sealed class JobEndpointTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    /// <summary>The vendored German Credit data (tests/Obscura.TestSupport/data/tabular/SOURCES.md).</summary>
    public static string CreditPath => Path.Combine(AppContext.BaseDirectory, "data", "tabular", "credit-g.arff");

    [Fact]
    public async Task A_minimise_job_runs_to_succeeded_with_the_features_the_command_chooses_on_the_same_seed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var controller = server.As(Role.Controller);
        var body = JsonSerializer.Serialize(new { dataFile = CreditPath, target = "class", minAccuracy = 0.72, folds = 3, seed = 1 });
        var started = await controller.PostAsync("/v1/jobs/minimise", Json.Raw(body), ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = JsonDocument.Parse(await started.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetString()!;
        Assert.Equal("/v1/jobs/" + id, started.Headers.Location!.OriginalString);

        var job = await JobWaits.UntilFinishedAsync(server.As(Role.Auditor), id, ct);
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        Assert.Equal(1.0, job.GetProperty("progress").GetDouble());
        Assert.True(job.GetProperty("finishedAt").GetDateTimeOffset() >= job.GetProperty("startedAt").GetDateTimeOffset());

        // What 'obscura minimise features --data-file credit-g.arff --target class --min-accuracy 0.72 --folds 3 --seed 1' runs.
        var expected = ForwardFeatureSelection.Run(ArffReader.Read(CreditPath), "class", 0.72, 3, 1, cancellationToken: ct);
        var result = job.GetProperty("result");
        var chosen = result.GetProperty("report").GetProperty("chosen").GetProperty("features").EnumerateArray().Select(f => f.GetString()!).ToList();
        Assert.NotEmpty(chosen);
        Assert.Equal(expected.Chosen, chosen);
        Assert.Equal(expected.Chosen!.Select(f => "label:" + f), result.GetProperty("report").GetProperty("allowedFields").EnumerateArray().Select(f => f.GetString()));

        // The files are under the data folder's jobs/ID/, named relative to it.
        var report = result.GetProperty("files").GetProperty("report").GetString()!;
        Assert.Equal($"jobs/{id}/attempt-1/report.json", report);
        Assert.True(File.Exists(Path.Combine(server.DataDirectory, report)));
        Assert.True(File.Exists(Path.Combine(server.DataDirectory, result.GetProperty("files").GetProperty("allowedFields").GetString()!)));

        // Start and completion are in the audit ledger, by the key that started the job.
        var entries = await server.Services.GetRequiredService<AuditTrail>().FindAsync(e => e.From == "job:" + id, ct);
        Assert.Equal(["started:attempt-1", result.GetProperty("ledgerReference").GetString()], entries.Select(e => e.Event.Reference));
        Assert.All(entries, e => Assert.Equal("apikey:controller", e.Event.Actor));

        using var list = await controller.GetAsync("/v1/jobs", ct);
        Assert.Contains(JsonDocument.Parse(await list.Content.ReadAsStringAsync(ct)).RootElement.EnumerateArray(), j => j.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task A_job_that_fails_says_why_and_the_failure_is_in_the_ledger()
    {
        var ct = TestContext.Current.CancellationToken;
        using var controller = server.As(Role.Controller);

        // 'duration' is numeric: valid as a column name, refused by the selection as a target once it runs.
        var started = await controller.PostAsync("/v1/jobs/minimise", Json.Raw(JsonSerializer.Serialize(new { dataFile = CreditPath, target = "duration", minAccuracy = 0.72, folds = 2 })), ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = JsonDocument.Parse(await started.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetString()!;
        var job = await JobWaits.UntilFinishedAsync(controller, id, ct);
        Assert.Equal("failed", job.GetProperty("state").GetString());
        Assert.False(string.IsNullOrWhiteSpace(job.GetProperty("error").GetString()));
        Assert.DoesNotContain(server.DataDirectory, job.GetProperty("error").GetString(), StringComparison.Ordinal);
        var entries = await server.Services.GetRequiredService<AuditTrail>().FindAsync(e => e.From == "job:" + id, ct);
        Assert.Equal(["started:attempt-1", "failed:attempt-1"], entries.Select(e => e.Event.Reference));
    }
}
