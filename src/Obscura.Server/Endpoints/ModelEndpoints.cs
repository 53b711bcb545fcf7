using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Obscura.Governance;
using Obscura.ModelPrivacy.Onnx;
using Obscura.ModelPrivacy.Serving;
using Obscura.Server.Security;

namespace Obscura.Server.Endpoints;

/// <summary>
/// The hardened model API: models trained by Obscura (<c>.obm</c> files) and ONNX classifiers (pinned by SHA-256) are registered by the controller with a
/// serving policy, per model and per API key, and answered under it; the query monitor's alerts go to the ledger.
/// </summary>
internal static class ModelEndpoints
{
    /// <summary>Body of <c>POST /v1/models/{id}/predict</c>: the model's input, e.g. 784 pixel values in [0, 1].</summary>
    public sealed record PredictRequest(float[]? Features);

    /// <summary>A serving policy as JSON: <c>output</c> is <c>raw</c>, <c>label-only</c> or e.g. <c>top-k:3,rounded:1</c>, <c>noisy:0.05</c>.</summary>
    public sealed record PolicyBody(string Output, double? RatePerSecond = null, int? Burst = null, long? MaxQueries = null, bool? Unlimited = null);

    /// <summary>A registered model as the API shows it: <c>format</c> is <c>obm</c> or <c>onnx</c>; <c>labels</c> an ONNX model's class labels in output order (null for <c>.obm</c>).</summary>
    public sealed record ClassifierView(string Id, string Sha256, int Inputs, int Classes, int Hidden, double? Epsilon, PolicyBody Policy, IReadOnlyDictionary<string, PolicyBody> KeyPolicies, DateTimeOffset RegisteredAt, string Format, IReadOnlyList<string>? Labels);

    public static IEndpointRouteBuilder MapModels(this IEndpointRouteBuilder app)
    {
        var models = app.MapGroup("/v1/models").WithTags("Model API");
        models.MapPost("/{id}/predict", PredictAsync).RequireAuthorization(Policies.ControllerOrProcessor)
            .WithSummary("Predicts with a registered model, shaped by the caller's serving policy.")
            .WithDescription("Body: {\"features\": [numbers]} with exactly the model's input count, all finite and within ±1e9. 200: {label, scores (null under label-only; the top-k most probable classes, listed by released score, rounded or noisy as the policy says), policy}. 400: wrong feature count, a non-finite value or a malformed body (validation problem). 404: no such model. 413: body above the server's limit. 429: the key is over its rate (Retry-After) or has made all the queries its policy allows (problem detail says which). 503: the model's file is unreadable or not the file registered (changed outside Obscura). Queries are watched for extraction, membership and boundary probing; alerts go to the audit ledger.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        models.MapPost("/", RegisterAsync).RequireAuthorization(Policies.Controller)
            .WithSummary("Registers a model file (.obm from 'obscura train --out') under ?id=, with the default policy (label-only, 5/s, 10,000 queries) unless ?output= is given.")
            .WithDescription("Body: the model file's bytes (application/octet-stream; read raw whatever the content type). 200: the registered model. 400: not a valid model file (bad magic, version, truncated, checksum, shape) or bad id/policy. 409: the id is taken.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        models.MapPost("/onnx", RegisterOnnxAsync).RequireAuthorization(Policies.Controller)
            .WithSummary("Registers an ONNX classifier under ?id=, pinned to ?sha256= (hex of the file's SHA-256), with ?inputs= features, ?labels= (comma-separated, in output order), ?scores=logits|probabilities, ?outputName= when the graph has several outputs, and ?output= as for an .obm model.")
            .WithDescription("Body: the ONNX file's bytes (read raw whatever the content type). The file is refused unless its SHA-256 is the one given and ONNX Runtime loads it with one float input [batch, inputs] and a float output [batch, labels]. It is served under the same policies, limits and query monitoring as any model; a file changed after registration is not served (503). 200: the registered model. 400: hash, graph, labels or policy not as stated. 409: the id is taken.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        models.MapGet("/", (ClassifierRegistry registry) => TypedResults.Ok(registry.List().Select(View).ToList())).RequireAuthorization(Policies.ControllerOrAuditor)
            .WithSummary("The registered models and their policies.");
        models.MapPut("/{id}/policy", async (string id, PolicyBody body, ClassifierRegistry registry, ClaimsPrincipal user, CancellationToken ct) =>
            await SetPolicyAsync(id, null, body, registry, user, ct)).RequireAuthorization(Policies.Controller)
            .WithSummary("Sets the policy every key gets unless it has its own. 400: not a policy; 404: no such model.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        models.MapPut("/{id}/keys/{key}/policy", async (string id, string key, PolicyBody body, ClassifierRegistry registry, ClaimsPrincipal user, CancellationToken ct) =>
            await SetPolicyAsync(id, "apikey:" + key, body, registry, user, ct)).RequireAuthorization(Policies.Controller)
            .WithSummary("Sets one API key's own policy for the model (the key by its name). 400: not a policy; 404: no such model.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        models.MapGet("/alerts", (string? model, ClassifierRegistry registry) => TypedResults.Ok(registry.Alerts(model))).RequireAuthorization(Policies.ControllerOrAuditor)
            .WithSummary("The query monitor's alerts (extraction, membership probing, boundary probing), per model and key.");
        return app;
    }

    private static async Task<Results<Ok<Prediction>, ProblemHttpResult>> PredictAsync(string id, PredictRequest body, ClassifierRegistry registry, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        var outcome = await registry.PredictAsync(Policies.ActorOf(user).Value, id, body?.Features ?? [], ct);
        if (outcome.Succeeded)
        {
            return TypedResults.Ok(outcome.Value);
        }

        if (outcome.Error.Field is "rate-limit" or "query-limit")
        {
            if (outcome.Error.Field == "rate-limit" && registry.Find(id) is { } model)
            {
                // One token takes 1/rate seconds to come back: the longest a refused key waits.
                var rate = (model.KeyPolicies.GetValueOrDefault(Policies.ActorOf(user).Value) ?? model.Policy).RatePerSecond;
                http.Response.Headers.RetryAfter = ((long)Math.Ceiling(1 / Math.Max(rate, 1e-6))).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return TypedResults.Problem(detail: outcome.Error.Message, statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests.");
        }

        if (outcome.Error.Field == "model")
        {
            return TypedResults.Problem(detail: outcome.Error.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "The model cannot be served.");
        }

        return Problems.From(outcome.Error);
    }

    private static async Task<Results<Ok<ClassifierView>, ProblemHttpResult>> RegisterAsync(
        [FromQuery] string? id, [FromQuery] string? output, HttpRequest request, ClassifierRegistry registry, ClaimsPrincipal user, CancellationToken ct)
    {
        var (file, policy, badPolicy) = await ReadRegistrationAsync(request, output, ct);
        if (badPolicy)
        {
            return Problems.From(BadPolicy());
        }

        var outcome = await registry.RegisterAsync(Policies.ActorOf(user).Value, id ?? "", file, policy, ct);
        return outcome.Succeeded ? TypedResults.Ok(View(outcome.Value!)) : Problems.From(outcome.Error);
    }

    private static async Task<Results<Ok<ClassifierView>, ProblemHttpResult>> RegisterOnnxAsync(
        [FromQuery] string? id, [FromQuery] string? sha256, [FromQuery] int? inputs, [FromQuery] string? labels, [FromQuery] string? scores, [FromQuery] string? outputName, [FromQuery] string? output,
        HttpRequest request, ClassifierRegistry registry, ClaimsPrincipal user, CancellationToken ct)
    {
        var (file, policy, badPolicy) = await ReadRegistrationAsync(request, output, ct);
        if (badPolicy)
        {
            return Problems.From(BadPolicy());
        }

        OnnxScores kind;
        switch (scores ?? "logits")
        {
            case "logits":
                kind = OnnxScores.Logits;
                break;
            case "probabilities":
                kind = OnnxScores.Probabilities;
                break;
            default:
                return Problems.From(new GovernanceError(GovernanceErrorKind.Invalid, "'scores' is 'logits' or 'probabilities'.", "scores"));
        }

        var spec = new OnnxClassifierSpec(inputs ?? 0, (labels ?? "").Split(',', StringSplitOptions.TrimEntries), kind, outputName);
        var outcome = await registry.RegisterOnnxAsync(Policies.ActorOf(user).Value, id ?? "", file, sha256 ?? "", spec, policy, ct);
        return outcome.Succeeded ? TypedResults.Ok(View(outcome.Value!)) : Problems.From(outcome.Error);
    }

    /// <summary>A registration's body (the model file, read raw) and its <c>?output=</c> policy (null: the default; bad: not a policy).</summary>
    private static async Task<(byte[] File, ServingPolicy? Policy, bool BadPolicy)> ReadRegistrationAsync(HttpRequest request, string? output, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        if (output is null)
        {
            return (buffer.ToArray(), null, false);
        }

        var policy = Parse(new PolicyBody(output));
        return (buffer.ToArray(), policy, policy is null);
    }

    private static async Task<Results<Ok<ClassifierView>, ProblemHttpResult>> SetPolicyAsync(string id, string? key, PolicyBody body, ClassifierRegistry registry, ClaimsPrincipal user, CancellationToken ct)
    {
        if (Parse(body) is not { } policy)
        {
            return Problems.From(BadPolicy());
        }

        var outcome = await registry.SetPolicyAsync(Policies.ActorOf(user).Value, id, key, policy, ct);
        return outcome.Succeeded ? TypedResults.Ok(View(outcome.Value!)) : Problems.From(outcome.Error);
    }

    private static ServingPolicy? Parse(PolicyBody body)
    {
        try
        {
            var defaults = ServingPolicy.Default;
            return new ServingPolicy
            {
                Output = OutputPolicy.Parse(body.Output ?? ""),
                RatePerSecond = body.RatePerSecond ?? defaults.RatePerSecond,
                Burst = body.Burst ?? defaults.Burst,
                MaxQueries = body.Unlimited == true ? null : body.MaxQueries ?? defaults.MaxQueries,
            };
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static GovernanceError BadPolicy() =>
        new(GovernanceErrorKind.Invalid, "'output' is 'raw', 'label-only', or any of 'top-k:K', 'rounded:D' and 'noisy:S', comma-separated.", "output");

    private static PolicyBody Body(ServingPolicy p) => new(p.Output.ToString(), p.RatePerSecond, p.Burst, p.MaxQueries, p.MaxQueries is null);

    private static ClassifierView View(RegisteredClassifier c) =>
        new(c.Id, c.Sha256, c.Inputs, c.Classes, c.Hidden, c.Epsilon, Body(c.Policy), c.KeyPolicies.ToDictionary(k => k.Key, k => Body(k.Value), StringComparer.Ordinal), c.RegisteredAt,
            c.Onnx is null ? "obm" : "onnx", c.Onnx?.Labels);
}
