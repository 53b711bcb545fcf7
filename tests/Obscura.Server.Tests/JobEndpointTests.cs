using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Governance.Budgets;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.ModelPrivacy.Data;
using Obscura.ModelPrivacy.Minimisation;
using Obscura.ModelPrivacy.Serving;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>Jobs run by the server's own worker (concurrency 1, a heartbeat every second) over a real SQLite data folder.</summary>
public sealed class JobEndpointTests(JobEndpointTests.WorkerServer server) : IClassFixture<JobEndpointTests.WorkerServer>
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

    /// <summary>The committed Fashion-MNIST cut (3,000 training and 1,000 test images; data/fashion-mnist/SOURCES.md).</summary>
    public static string ImagesPath => Path.Combine(AppContext.BaseDirectory, "data", "fashion-mnist");

    [Fact]
    public async Task A_dp_train_job_is_charged_to_the_budget_as_the_command_is_and_a_second_that_does_not_fit_fails_uncharged()
    {
        var ct = TestContext.Current.CancellationToken;
        using var controller = server.As(Role.Controller);
        foreach (var definition in new[] { SamplePurposes.IdentityVerification, SamplePurposes.ModelTraining })
        {
            using var registered = await controller.PostAsync("/v1/purposes", Json.Of(definition), ct);
            Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync(ct));
        }

        var purpose = PurposeId.Parse(SamplePurposes.ModelTraining.Id.Value);
        var budgets = server.Services.GetRequiredService<PrivacyBudgetLedger>();
        var set = await budgets.SetAsync(Actor.Parse("test:setup"), "fashion-jobs", purpose, 3.2, 1e-5, ct);
        Assert.True(set.Succeeded, set.Error?.Message);

        // The configuration of TrainCliTests: logistic regression, 2 epochs, batch 150 on 3,000 images (q = 0.05, 40 steps), ε = 3.
        var body = JsonSerializer.Serialize(new { dataDir = ImagesPath, hidden = 0, epochs = 2, batch = 150, epsilon = 3.0, delta = 1e-5, dataset = "fashion-jobs", purpose = purpose.Value });
        var first = await JobWaits.UntilFinishedAsync(controller, await StartAsync(controller, "train", body, ct), ct);
        Assert.Equal("succeeded", first.GetProperty("state").GetString());
        var report = first.GetProperty("result").GetProperty("report");
        var privacy = report.GetProperty("privacy");
        Assert.InRange(privacy.GetProperty("epsilon").GetDouble(), 2.9, 3.0000001);
        Assert.Equal("pld", privacy.GetProperty("accountant").GetString());
        Assert.Equal(0.05, privacy.GetProperty("samplingRate").GetDouble(), 10);
        Assert.Equal(40, report.GetProperty("steps").GetInt32());
        Assert.InRange(report.GetProperty("testAccuracy").GetDouble(), 0.5, 1);

        var status = (await budgets.GetStatusAsync("fashion-jobs", purpose, ct)).Value!;
        Assert.Equal(1, status.Releases);
        Assert.Equal(privacy.GetProperty("epsilon").GetDouble(), status.EpsilonSpent, 9);

        // The model file is in the job's folder and is what the report says.
        var model = first.GetProperty("result").GetProperty("files").GetProperty("model").GetString()!;
        var bytes = await File.ReadAllBytesAsync(Path.Combine(server.DataDirectory, model), ct);
        Assert.Equal(report.GetProperty("modelSha256").GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
        Assert.Equal(784, ModelFile.Parse(bytes).Model.Inputs);

        // Two runs at ε = 3 do not fit in 3.2: the second job fails before training and nothing more is charged.
        var second = await JobWaits.UntilFinishedAsync(controller, await StartAsync(controller, "train", body, ct), ct);
        Assert.Equal("failed", second.GetProperty("state").GetString());
        Assert.Equal(1, (await budgets.GetStatusAsync("fashion-jobs", purpose, ct)).Value!.Releases);
    }

    [Fact]
    public async Task An_audit_job_reports_each_attack_and_writes_its_roc_curves_to_the_jobs_folder()
    {
        var ct = TestContext.Current.CancellationToken;
        using var controller = server.As(Role.Controller);
        var body = JsonSerializer.Serialize(new { dataDir = ImagesPath, pool = 100, shadows = 4, hidden = 0, epochs = 2, batch = 32 });
        var job = await JobWaits.UntilFinishedAsync(controller, await StartAsync(controller, "audit", body, ct), ct);
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        var result = job.GetProperty("result");
        Assert.Equal(100, result.GetProperty("report").GetProperty("poolSize").GetInt32());
        var attacks = result.GetProperty("report").GetProperty("attacks").EnumerateArray().Select(a => a.GetProperty("attack").GetString()!).ToList();
        Assert.NotEmpty(attacks);
        Assert.All(attacks, a => Assert.StartsWith("fpr,tpr", File.ReadAllText(Path.Combine(server.DataDirectory, result.GetProperty("files").GetProperty("roc-" + a).GetString()!)), StringComparison.Ordinal));
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

    [Fact]
    public async Task A_running_job_whose_cancellation_is_asked_for_stops_at_its_workers_next_heartbeat()
    {
        var ct = TestContext.Current.CancellationToken;
        using var controller = server.As(Role.Controller);

        // Long enough to be running when the cancellation comes: an MLP, 200 epochs.
        var body = JsonSerializer.Serialize(new { dataDir = ImagesPath, nonPrivate = true, seed = 1, hidden = 64, epochs = 200, batch = 32, learningRate = 0.1 });
        var id = await StartAsync(controller, "train", body, ct);
        while (JsonDocument.Parse(await controller.GetStringAsync("/v1/jobs/" + id, ct)).RootElement.GetProperty("state").GetString() == "queued")
        {
            await Task.Delay(20, ct);
        }

        Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync($"/v1/jobs/{id}/cancel", null, ct)).StatusCode);
        var job = await JobWaits.UntilFinishedAsync(controller, id, ct);
        Assert.Equal("cancelled", job.GetProperty("state").GetString());
        Assert.True(job.GetProperty("progress").GetDouble() < 1);
        Assert.False(File.Exists(Path.Combine(server.DataDirectory, "jobs", id, "attempt-1", "model.obm")));
    }

    private static async Task<string> StartAsync(HttpClient client, string kind, string body, CancellationToken ct)
    {
        using var started = await client.PostAsync("/v1/jobs/" + kind, Json.Raw(body), ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        return JsonDocument.Parse(await started.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>The server with its worker renewing leases every second, so a cancellation takes effect within about a second.</summary>
    public sealed class WorkerServer : ServerFixture
    {
        protected override void Configure(IWebHostBuilder builder)
        {
            builder.UseSetting("Obscura:Jobs:HeartbeatSeconds", "1");
            builder.UseSetting("Obscura:Jobs:LeaseSeconds", "30");
        }
    }
}
