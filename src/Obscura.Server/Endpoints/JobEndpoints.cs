using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Obscura.Server.Jobs;
using Obscura.Server.Security;

namespace Obscura.Server.Endpoints;

/// <summary>
/// Long model runs as jobs: a controller starts a minimisation, a training or an audit with the options of the
/// matching <c>obscura</c> command, a worker of any server process on the data folder runs it, and the controller and
/// the auditor follow it.
/// </summary>
internal static class JobEndpoints
{
    private static readonly JsonSerializerOptions StoredJson = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>A job as the API shows it: kind and state in lower case, progress 0 to 1, the result JSON once succeeded, the error once failed.</summary>
    public sealed record JobView(
        string Id,
        string Kind,
        string State,
        double Progress,
        int Attempt,
        DateTimeOffset CreatedAt,
        DateTimeOffset? StartedAt,
        DateTimeOffset? FinishedAt,
        bool CancelRequested,
        JsonElement? Request,
        JsonElement? Result,
        string? Error);

    public static IEndpointRouteBuilder MapJobs(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/v1/jobs").WithTags("Jobs");
        MapStart<MinimiseJobRequest>(jobs, JobKind.Minimise, r => r.Validated, "Starts 'obscura minimise features' as a job: body {dataFile, target, minAccuracy, folds?, seed?, purpose?}.");
        MapStart<TrainJobRequest>(jobs, JobKind.Train, r => r.Validated, "Starts 'obscura train' as a job: body {dataDir, epsilon+dataset+purpose | nonPrivate, hidden?, epochs?, batch?, learningRate?, clip?, accountant?, delta?, trainLimit?, seed?}. DP-SGD is charged to the budget when the job starts.");
        MapStart<AuditJobRequest>(jobs, JobKind.Audit, r => r.Validated, "Starts 'obscura audit model' (of a recipe) as a job: body {dataDir, pool?, shadows?, hidden?, epochs?, batch?, learningRate?, noiseMultiplier?, clip?, seed?, purpose?}.");
        jobs.MapGet("/", (int? limit, JobStore store) => limit is < 1 or > 1000
                ? Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit is 1 to 1000."] })
                : Results.Ok(store.List(limit ?? 100).Select(j => View(j, withResult: false)).ToList()))
            .RequireAuthorization(Policies.ControllerOrAuditor)
            .WithSummary("The newest jobs (?limit=, 1 to 1000, default 100), without their results.")
            .Produces<List<JobView>>()
            .ProducesValidationProblem();
        jobs.MapGet("/{id}", Results<Ok<JobView>, NotFound> (string id, JobStore store) =>
                store.Find(id) is { } job ? TypedResults.Ok(View(job, withResult: true)) : TypedResults.NotFound())
            .RequireAuthorization(Policies.ControllerOrAuditor)
            .WithSummary("One job: state (queued, running, succeeded, failed, cancelled), progress, times, the result once succeeded, the error once failed.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapPost("/{id}/cancel", Results<Ok<JobView>, ProblemHttpResult> (string id, JobStore store) =>
                store.Cancel(id) is var outcome && outcome.Succeeded ? TypedResults.Ok(View(outcome.Value!, withResult: false)) : Problems.From(outcome.Error!))
            .RequireAuthorization(Policies.Controller)
            .WithSummary("Cancels a job: a queued one at once, a running one at its worker's next heartbeat. 404: no such job; 409: it has finished.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary><c>POST /v1/jobs/KIND</c>: validates the body of type <typeparamref name="T"/> as the command would, then queues the job.</summary>
    private static void MapStart<T>(RouteGroupBuilder jobs, JobKind kind, Func<T, Func<JobRequestErrors, T?>> validator, string summary)
        where T : class =>
        jobs.MapPost("/" + JobStore.Name(kind), (T body, JobStore store, ClaimsPrincipal user) => Start(kind, body is null ? null : validator(body), store, user))
            .RequireAuthorization(Policies.Controller)
            .WithSummary(summary)
            .WithDescription("202: the job is queued; Location names it. 400: invalid options (validation problem naming the field), checked before any job is created, as the command checks them (the data is read).")
            .Produces<JobView>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem();

    private static IResult Start<T>(JobKind kind, Func<JobRequestErrors, T?>? validate, JobStore store, ClaimsPrincipal user)
        where T : class
    {
        var errors = new JobRequestErrors();
        if (validate is null)
        {
            errors.Add("request", "A JSON object with the job's options is required.");
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }

        var request = validate(errors);
        if (request is null)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }

        var job = store.Enqueue(kind, Policies.ActorOf(user).Value, JsonSerializer.Serialize(request, StoredJson));
        return TypedResults.Accepted("/v1/jobs/" + job.Id, View(job, withResult: false));
    }

    private static JobView View(JobRecord job, bool withResult) => new(
        job.Id,
        JobStore.Name(job.Kind),
        JobStore.Name(job.State),
        job.Progress,
        job.Attempt,
        job.CreatedAt,
        job.StartedAt,
        job.FinishedAt,
        job.CancelRequested,
        JsonDocument.Parse(job.Request).RootElement.Clone(),
        withResult && job.Result is { } result ? JsonDocument.Parse(result).RootElement.Clone() : null,
        job.Error);
}
