using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Obscura.Governance.Access;
using Obscura.Governance.Budgets;
using Obscura.Governance.Ledger;
using Obscura.Server.Jobs;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// Claims, leases and fencing, validation, cancellation and role limits, on a server that queues jobs but runs none
/// (<c>Obscura:Jobs:Concurrency = 0</c>, a process that only answers): the tests claim and run jobs themselves, as other
/// processes on the data folder would, each through its own <see cref="JobStore"/> (its own connections) on a clock
/// the test moves.
/// </summary>
public sealed class JobQueueTests(JobQueueTests.QueueOnlyServer server) : IClassFixture<JobQueueTests.QueueOnlyServer>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_job_whose_lease_lapsed_is_restarted_by_another_worker_and_the_first_workers_late_result_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await StartMinimiseAsync(ct);
        using var workers = new TwoWorkers(server.DataDirectory);
        var (clock, storeA, storeB) = (workers.Clock, workers.A, workers.B);

        var a = storeA.TryClaim(id, "worker-a", Lease);
        Assert.NotNull(a);
        Assert.Equal(1, a.Attempt);
        Assert.True(storeA.ReportProgress(a, 0.5));

        // Within the lease nobody else may take it.
        clock.Advance(Lease - TimeSpan.FromSeconds(1));
        Assert.Null(storeB.TryClaim(id, "worker-b", Lease));
        Assert.DoesNotContain(id, storeB.Claimable(100));

        // Worker A's process dies: no heartbeat. Past the expiry worker B takes the job over and runs it from scratch.
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Contains(id, storeB.Claimable(100));
        var b = storeB.TryClaim(id, "worker-b", Lease);
        Assert.NotNull(b);
        Assert.Equal(2, b.Attempt);
        Assert.Equal(0, storeB.Find(id)!.Progress);

        // While B runs, A (not knowing it lost the job) can neither report progress nor keep the lease.
        Assert.False(storeA.ReportProgress(a, 0.9));
        Assert.Equal(JobRenewal.Lost, storeA.Renew(a, Lease));
        Assert.Equal(0, storeB.Find(id)!.Progress);
        await Executor(storeB, clock).RunClaimedAsync(b, ct);

        var done = storeB.Find(id)!;
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal(2, done.Attempt);
        Assert.Equal("worker-b", done.LeaseOwner);

        // Worker A comes back late: every write it tries is fenced off by its stale token.
        Assert.False(storeA.Complete(a, """{"late":true}"""));
        Assert.False(storeA.Fail(a, "late"));
        Assert.False(storeA.ReportProgress(a, 0.9));
        Assert.Equal(JobRenewal.Lost, storeA.Renew(a, Lease));
        var after = storeA.Find(id)!;
        Assert.Equal(JobState.Succeeded, after.State);
        Assert.Equal(done.Result, after.Result);
        Assert.Equal(2, JsonDocument.Parse(after.Result!).RootElement.GetProperty("attempt").GetInt32());
        Assert.True(File.Exists(Path.Combine(server.DataDirectory, "jobs", id, "attempt-2", "report.json")));
        Assert.False(File.Exists(Path.Combine(server.DataDirectory, "jobs", id, "attempt-1", "report.json")));
    }

    [Fact]
    public async Task A_worker_that_still_holds_its_lease_completes_but_not_after_the_job_was_taken_over_even_before_the_new_worker_finishes()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await StartMinimiseAsync(ct);
        using var workers = new TwoWorkers(server.DataDirectory);
        var (clock, storeA, storeB) = (workers.Clock, workers.A, workers.B);
        var a = storeA.TryClaim(id, "worker-a", Lease)!;

        // A heartbeat keeps the job: past the first expiry it is still A's.
        clock.Advance(Lease / 2);
        Assert.Equal(JobRenewal.Held, storeA.Renew(a, Lease));
        clock.Advance(Lease * 3 / 4);
        Assert.Null(storeB.TryClaim(id, "worker-b", Lease));

        clock.Advance(Lease);
        var b = storeB.TryClaim(id, "worker-b", Lease)!;
        Assert.False(storeA.Complete(a, """{"late":true}"""));
        Assert.Equal(JobState.Running, storeB.Find(id)!.State);
        Assert.True(storeB.Complete(b, """{"ok":true}"""));
        Assert.Equal("""{"ok":true}""", storeB.Find(id)!.Result);
    }

    [Fact]
    public async Task A_running_worker_that_finds_at_its_heartbeat_its_lease_taken_over_stops_its_work_and_writes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var controller = server.As(Role.Controller);

        // A training run far longer than a heartbeat.
        var body = JsonSerializer.Serialize(new { dataDir = JobEndpointTests.ImagesPath, nonPrivate = true, seed = 1, hidden = 64, epochs = 5000, batch = 32, learningRate = 0.1 });
        using var started = await controller.PostAsync("/v1/jobs/train", Json.Raw(body), ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = JsonDocument.Parse(await started.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetString()!;
        using var workers = new TwoWorkers(server.DataDirectory);
        var a = workers.A.TryClaim(id, "worker-a", Lease)!;
        var running = new JobExecutor(
            workers.A,
            server.Services.GetRequiredService<AuditTrail>(),
            server.Services.GetRequiredService<PrivacyBudgetLedger>(),
            new JobOptions { LeaseSeconds = (int)Lease.TotalSeconds, HeartbeatSeconds = 2 },
            workers.Clock,
            NullLogger<JobExecutor>.Instance).RunClaimedAsync(a, ct);

        // A stalls (by the clock) past its lease; B takes the job over. A's next heartbeat finds the lease gone.
        workers.Clock.Advance(Lease + TimeSpan.FromSeconds(1));
        var b = workers.B.TryClaim(id, "worker-b", Lease);
        Assert.NotNull(b);
        await running;

        var job = workers.B.Find(id)!;
        Assert.Equal(JobState.Running, job.State);
        Assert.Equal(2, job.Attempt);
        Assert.Equal("worker-b", job.LeaseOwner);
        Assert.Null(job.Result);
        Assert.Null(job.Error);
        Assert.False(File.Exists(Path.Combine(server.DataDirectory, "jobs", id, "attempt-1", "model.obm")));
        Assert.True(workers.B.Complete(b, """{"ok":true}"""));
    }

    [Fact]
    public async Task Two_workers_racing_on_separate_connections_for_one_queued_job_exactly_one_wins()
    {
        var ct = TestContext.Current.CancellationToken;
        using var workers = new TwoWorkers(server.DataDirectory);
        var (clock, storeA, storeB) = (workers.Clock, workers.A, workers.B);
        for (var round = 0; round < 20; round++)
        {
            var id = await StartMinimiseAsync(ct);

            // Both see the job as claimable, then both claim it at once.
            Assert.Contains(id, storeA.Claimable(1000));
            Assert.Contains(id, storeB.Claimable(1000));
            var claims = await RaceAsync(storeA, storeB, id, ct);
            var winner = Assert.Single(claims, c => c is not null);
            Assert.Equal(winner!.Owner, storeA.Find(id)!.LeaseOwner);
            Assert.Equal(1, storeA.Find(id)!.Attempt);

            // The same for a running job whose lease lapsed: one takes it over.
            clock.Advance(Lease + TimeSpan.FromSeconds(1));
            var takeovers = await RaceAsync(storeA, storeB, id, ct);
            Assert.Single(takeovers, c => c is not null);
            Assert.Equal(2, storeA.Find(id)!.Attempt);
            Assert.True(storeA.Cancel(id).Succeeded);
        }
    }

    [Fact]
    public async Task Two_server_processes_on_one_data_folder_run_every_job_exactly_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(await StartMinimiseAsync(ct));
        }

        // Two more servers on the fixture's folder, each with a worker, as two processes would share it.
        using var first = new WorkerOnFolder(server.DataDirectory);
        using var second = new WorkerOnFolder(server.DataDirectory);
        _ = first.Services;
        _ = second.Services;
        using var auditor = server.As(Role.Auditor);
        foreach (var id in ids)
        {
            var job = await JobWaits.UntilFinishedAsync(auditor, id, ct);
            Assert.Equal("succeeded", job.GetProperty("state").GetString());
            Assert.Equal(1, job.GetProperty("attempt").GetInt32());
        }

        // Each ran once: one start and one completion in the ledger.
        var ledger = server.Services.GetRequiredService<AuditTrail>();
        foreach (var id in ids)
        {
            var entries = await ledger.FindAsync(e => e.From == "job:" + id, ct);
            Assert.Equal(2, entries.Count);
            Assert.Equal("started:attempt-1", entries[0].Event.Reference);
        }
    }

    [Fact]
    public async Task A_queued_job_is_cancelled_at_once_and_cannot_be_claimed_or_cancelled_again()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await StartMinimiseAsync(ct);
        using var controller = server.As(Role.Controller);
        using var cancelled = await controller.PostAsync($"/v1/jobs/{id}/cancel", null, ct);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("cancelled", JsonDocument.Parse(await cancelled.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("state").GetString());

        using var store = JobStore.Open(server.DataDirectory, new ManualClock(DateTimeOffset.UtcNow));
        Assert.DoesNotContain(id, store.Claimable(1000));
        Assert.Null(store.TryClaim(id, "worker", Lease));
        Assert.Equal(HttpStatusCode.Conflict, (await controller.PostAsync($"/v1/jobs/{id}/cancel", null, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await controller.PostAsync("/v1/jobs/job_00000000000000000000000000000000/cancel", null, ct)).StatusCode);
        Assert.NotNull(JsonDocument.Parse(await (await controller.GetAsync($"/v1/jobs/{id}", ct)).Content.ReadAsStringAsync(ct)).RootElement.GetProperty("finishedAt").GetString());
    }

    [Fact]
    public async Task A_running_job_whose_cancellation_was_asked_for_is_stopped_at_its_heartbeat()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await StartMinimiseAsync(ct);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using var store = JobStore.Open(server.DataDirectory, clock);
        var lease = store.TryClaim(id, "worker", Lease)!;
        using var controller = server.As(Role.Controller);
        Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync($"/v1/jobs/{id}/cancel", null, ct)).StatusCode);
        Assert.True(store.Find(id)!.CancelRequested);
        Assert.Equal(JobRenewal.CancelRequested, store.Renew(lease, Lease));
        Assert.True(store.MarkCancelled(lease));
        Assert.Equal(JobState.Cancelled, store.Find(id)!.State);
    }

    public static TheoryData<string, string, string> BadRequests() => new()
    {
        { "minimise", """{"dataFile":"CREDIT","target":"class","minAccuracy":0.7,"folds":1}""", "folds" },
        { "minimise", """{"dataFile":"CREDIT","target":"class","minAccuracy":1.5}""", "minAccuracy" },
        { "minimise", """{"dataFile":"CREDIT","target":"no-such-column","minAccuracy":0.7}""", "target" },
        { "minimise", """{"dataFile":"/nonexistent/credit.arff","target":"class","minAccuracy":0.7}""", "dataFile" },
        { "minimise", """{"dataFile":"CREDIT","target":"class","minAccuracy":0.7,"purpose":"Not A Purpose"}""", "purpose" },
        { "minimise", """{"target":"class","minAccuracy":0.7}""", "dataFile" },
        { "train", """{"dataDir":"/nonexistent","epsilon":3,"nonPrivate":true}""", "epsilon" },
        { "train", """{"dataDir":"/nonexistent","epsilon":3}""", "epsilon" },
        { "train", """{"dataDir":"/nonexistent","nonPrivate":true,"hidden":5000}""", "hidden" },
        { "train", """{"dataDir":"/nonexistent","nonPrivate":true}""", "dataDir" },
        { "audit", """{"dataDir":"/nonexistent"}""", "dataDir" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_options_get_a_400_naming_the_field_and_create_no_job(string kind, string body, string field)
    {
        var ct = TestContext.Current.CancellationToken;
        using var controller = server.As(Role.Controller);
        var before = await CountAsync(controller, ct);
        using var response = await controller.PostAsync("/v1/jobs/" + kind, Json.Raw(body.Replace("CREDIT", JobEndpointTests.CreditPath.Replace("\\", "\\\\", StringComparison.Ordinal), StringComparison.Ordinal)), ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"{field} not in {errors}");
        Assert.Equal(before, await CountAsync(controller, ct));
    }

    [Fact]
    public async Task Malformed_or_unknown_bodies_get_a_400()
    {
        var ct = TestContext.Current.CancellationToken;
        using var controller = server.As(Role.Controller);
        Assert.Equal(HttpStatusCode.BadRequest, (await controller.PostAsync("/v1/jobs/minimise", Json.Raw("{"), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await controller.PostAsync("/v1/jobs/minimise", Json.Raw("""{"folds":"five"}"""), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await controller.PostAsync("/v1/jobs/minimise", Json.Raw("null"), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await controller.GetAsync("/v1/jobs?limit=0", ct)).StatusCode);
    }

    [Fact]
    public async Task Only_a_controller_starts_and_cancels_jobs_and_only_a_controller_or_an_auditor_reads_them()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await StartMinimiseAsync(ct);
        var body = JsonSerializer.Serialize(new { dataFile = JobEndpointTests.CreditPath, target = "class", minAccuracy = 0.72 });
        foreach (var role in new[] { Role.Processor, Role.Auditor, Role.Subject, Role.ObjectionIntake })
        {
            using var client = server.As(role, role == Role.Subject ? Governance.Subjects.SubjectId.Parse("s-jobs") : null);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/v1/jobs/minimise", Json.Raw(body), ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync($"/v1/jobs/{id}/cancel", null, ct)).StatusCode);
            var read = role == Role.Auditor ? HttpStatusCode.OK : HttpStatusCode.Forbidden;
            Assert.Equal(read, (await client.GetAsync($"/v1/jobs/{id}", ct)).StatusCode);
            Assert.Equal(read, (await client.GetAsync("/v1/jobs", ct)).StatusCode);
        }

        using var anonymous = server.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/v1/jobs/{id}", ct)).StatusCode);
        Assert.Equal("queued", JsonDocument.Parse(await (await server.As(Role.Controller).GetAsync($"/v1/jobs/{id}", ct)).Content.ReadAsStringAsync(ct)).RootElement.GetProperty("state").GetString());
    }

    private async Task<string> StartMinimiseAsync(CancellationToken ct)
    {
        using var controller = server.As(Role.Controller);
        var body = JsonSerializer.Serialize(new { dataFile = JobEndpointTests.CreditPath, target = "class", minAccuracy = 0.72, folds = 2, seed = 1 });
        using var started = await controller.PostAsync("/v1/jobs/minimise", Json.Raw(body), ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        return JsonDocument.Parse(await started.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Both workers claim <paramref name="id"/> at the same moment.</summary>
    private static async Task<JobLease?[]> RaceAsync(JobStore a, JobStore b, string id, CancellationToken ct)
    {
        using var start = new Barrier(2);
        return await Task.WhenAll(
            Task.Run(() => { start.SignalAndWait(ct); return a.TryClaim(id, "worker-a", Lease); }, ct),
            Task.Run(() => { start.SignalAndWait(ct); return b.TryClaim(id, "worker-b", Lease); }, ct));
    }

    private static async Task<int> CountAsync(HttpClient client, CancellationToken ct) =>
        JsonDocument.Parse(await (await client.GetAsync("/v1/jobs?limit=1000", ct)).Content.ReadAsStringAsync(ct)).RootElement.GetArrayLength();

    private JobExecutor Executor(JobStore store, TimeProvider clock) => new(
        store,
        server.Services.GetRequiredService<AuditTrail>(),
        server.Services.GetRequiredService<PrivacyBudgetLedger>(),
        new JobOptions { LeaseSeconds = (int)Lease.TotalSeconds },
        clock,
        NullLogger<JobExecutor>.Instance);

    /// <summary>Two workers, as two processes would be: each its own store and connections, on one clock the test moves.</summary>
    private sealed class TwoWorkers : IDisposable
    {
        public TwoWorkers(string dataDirectory)
        {
            A = JobStore.Open(dataDirectory, Clock);
            B = JobStore.Open(dataDirectory, Clock);
        }

        public ManualClock Clock { get; } = new(DateTimeOffset.UtcNow);

        public JobStore A { get; }

        public JobStore B { get; }

        public void Dispose()
        {
            A.Dispose();
            B.Dispose();
        }
    }

    /// <summary>Another server process's view of the fixture's data folder, with a worker.</summary>
    private sealed class WorkerOnFolder(string folder) : ServerFixture
    {
        protected override void Configure(IWebHostBuilder builder)
        {
            builder.UseSetting("Obscura:DataDirectory", folder);
            builder.UseSetting("Obscura:Jobs:Concurrency", "1");
            builder.UseSetting("Obscura:Jobs:PollMilliseconds", "100");
        }
    }

    /// <summary>A server that queues jobs and runs none: the tests are the workers. Its own folder, since the tests claim its jobs.</summary>
    public sealed class QueueOnlyServer : ServerFixture
    {
        protected override void Configure(IWebHostBuilder builder) => builder.UseSetting("Obscura:Jobs:Concurrency", "0");
    }
}
