using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Obscura.Governance;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.Server.Hosting;
using Obscura.Server.Security;
using Obscura.Vault;

namespace Obscura.Server.Endpoints;

/// <summary>
/// The training-data vault: blobs go in and out as raw bodies (up to <c>Obscura:VaultMaxBlobBytes</c>); policies,
/// selections, exports, shredding, retention and the DPO report are JSON. Every call is gated by the governance core
/// and recorded in the ledger by the vault itself.
/// </summary>
internal static class VaultEndpoints
{
    /// <summary>Body of <c>POST /v1/vault/policies</c>.</summary>
    public sealed record PolicyRequest(PurposeId Purpose, string Justification, string ApprovedBy, double? Fraction = null, string[]? StratifyBy = null, int? MaxRecords = null, string[]? AllowedFields = null);

    /// <summary>Body of <c>POST /v1/vault/selections</c>.</summary>
    public sealed record SelectionRequest(PurposeId Purpose, int? Version = null);

    /// <summary>Body of <c>POST /v1/vault/exports</c>.</summary>
    public sealed record ExportRequest(string Run, PurposeId Purpose, string[] Fields, bool? Pseudonymise = null, int? ExpiresDays = null, int? ScratchHours = null);

    /// <summary>Body of <c>POST /v1/vault/subjects/{subjectId}/shred</c>: <c>withdrawal</c> or <c>erasure</c>.</summary>
    public sealed record ShredRequest(string Reason);

    public static IEndpointRouteBuilder MapVault(this IEndpointRouteBuilder app)
    {
        var vault = app.MapGroup("/v1/vault").WithTags("Training-data vault");
        vault.MapPost("/objects", IngestAsync).AddOpenApiOperationTransformer((operation, _, _) =>
        {
            // The body is the blob itself, of any media type (stored as its content type); not a routing constraint.
            var binary = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = "The blob, up to Obscura:VaultMaxBlobBytes (16 MiB); its Content-Type is stored with it.",
                Content = new Dictionary<string, OpenApiMediaType> { ["image/jpeg"] = new() { Schema = binary }, ["image/png"] = new() { Schema = binary }, ["application/octet-stream"] = new() { Schema = binary } },
            };
            return Task.CompletedTask;
        }).RequireAuthorization(Policies.ControllerOrProcessor);
        vault.MapGet("/objects/{objectId}", ReadAsync).RequireAuthorization(Policies.ControllerOrProcessor);
        vault.MapPost("/policies", async (PolicyRequest r, VaultAccessor v, ClaimsPrincipal user, CancellationToken ct) => Problems.OkOr(await (await v.GetAsync(ct)).SetPolicyAsync(
            Policies.ActorOf(user).Value, r.Purpose, r.Fraction ?? MinimisationPolicy.DefaultFraction, r.StratifyBy ?? [], r.MaxRecords, r.Justification, r.ApprovedBy, r.AllowedFields, ct))).RequireAuthorization(Policies.Controller);
        vault.MapGet("/policies", async (PurposeId? purpose, VaultAccessor v, CancellationToken ct) => TypedResults.Ok((await v.GetAsync(ct)).Policies(purpose))).RequireAuthorization(Policies.ControllerOrAuditor);
        vault.MapPost("/selections", async (SelectionRequest r, VaultAccessor v, CancellationToken ct) => Problems.OkOr(await (await v.GetAsync(ct)).SelectAsync(r.Purpose, r.Version, ct))).RequireAuthorization(Policies.Controller);
        vault.MapPost("/exports", async (ExportRequest r, VaultAccessor v, ClaimsPrincipal user, CancellationToken ct) => Problems.OkOr(await (await v.GetAsync(ct)).ExportAsync(
            Policies.ActorOf(user).Value,
            new TrainingExportRequest(r.Run, r.Purpose, r.Fields ?? [], r.Pseudonymise ?? true, TimeSpan.FromDays(r.ExpiresDays ?? 30), TimeSpan.FromHours(r.ScratchHours ?? 24)),
            null,
            ct))).RequireAuthorization(Policies.Controller);
        vault.MapGet("/exports", async (VaultAccessor v, CancellationToken ct) => TypedResults.Ok((await v.GetAsync(ct)).Exports())).RequireAuthorization(Policies.ControllerOrAuditor);
        vault.MapPost("/exports/{run}/close", async (string run, VaultAccessor v, ClaimsPrincipal user, CancellationToken ct) =>
            Problems.OkOr(await (await v.GetAsync(ct)).CloseRunAsync(Policies.ActorOf(user).Value, run, ct))).RequireAuthorization(Policies.Controller);
        vault.MapPost("/subjects/{subjectId}/shred", async (SubjectId subjectId, ShredRequest r, VaultAccessor v, ClaimsPrincipal user, CancellationToken ct) =>
            Problems.OkOr(await (await v.GetAsync(ct)).ShredSubjectAsync(Policies.ActorOf(user).Value, subjectId, r.Reason, ct))).RequireAuthorization(Policies.Controller);
        vault.MapPost("/retention/run", async (VaultAccessor v, ClaimsPrincipal user, CancellationToken ct) =>
            TypedResults.Ok(await (await v.GetAsync(ct)).RunRetentionAsync(Policies.ActorOf(user).Value, ct))).RequireAuthorization(Policies.Controller);
        vault.MapGet("/report", async (VaultAccessor v, CancellationToken ct) => TypedResults.Ok((await v.GetAsync(ct)).Report())).RequireAuthorization(Policies.ControllerOrAuditor);
        return app;
    }

    private static async Task<Results<Created<VaultObject>, ProblemHttpResult>> IngestAsync(
        HttpRequest request,
        [FromQuery] string? subject,
        [FromQuery] string? purpose,
        [FromQuery] string? source,
        [FromQuery] string? category,
        [FromQuery] DateTimeOffset? collectedAt,
        [FromQuery] string[]? label,
        VaultAccessor vault,
        ClaimsPrincipal user,
        Microsoft.Extensions.Options.IOptions<ObscuraOptions> options,
        CancellationToken ct)
    {
        if (subject is null || !SubjectId.TryParse(subject, out var subjectId))
        {
            return Problems.From(new GovernanceError(GovernanceErrorKind.Invalid, "Query parameter 'subject' names the data subject.", "subject"));
        }

        if (!Policies.MayActOn(user, subjectId))
        {
            return Problems.NotYourSubject();
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in label ?? [])
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            if (at <= 0)
            {
                return Problems.From(new GovernanceError(GovernanceErrorKind.Invalid, $"A label is key=value: '{pair}'.", "label"));
            }

            labels[pair[..at]] = pair[(at + 1)..];
        }

        if (!PurposeId.TryParse(purpose, out var purposeId))
        {
            return Problems.From(new GovernanceError(GovernanceErrorKind.Invalid, "Query parameter 'purpose' names a registered purpose.", "purpose"));
        }

        if (!DataCategory.TryParse(category ?? "face-image", out var dataCategory))
        {
            return Problems.From(new GovernanceError(GovernanceErrorKind.Invalid, "Query parameter 'category' is a data-category slug such as face-image.", "category"));
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, ct);
        if (body.Length == 0)
        {
            return Problems.From(new GovernanceError(GovernanceErrorKind.Invalid, $"The request body is empty: send the blob as the raw body, 1 to {options.Value.VaultMaxBlobBytes} bytes (Obscura:VaultMaxBlobBytes).", "body"));
        }

        var outcome = await (await vault.GetAsync(ct)).IngestAsync(
            Policies.ActorOf(user).Value,
            new VaultIngestRequest(subjectId, purposeId, body.ToArray(), collectedAt ?? DateTimeOffset.UtcNow, source ?? "", request.ContentType ?? "application/octet-stream", dataCategory, labels),
            ct);
        return outcome.Succeeded ? TypedResults.Created($"/v1/vault/objects/{outcome.Value.Id}", outcome.Value) : Problems.From(outcome.Error);
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> ReadAsync(string objectId, [FromQuery] string? purpose, VaultAccessor vault, ClaimsPrincipal user, CancellationToken ct)
    {
        _ = PurposeId.TryParse(purpose, out var purposeId); // an invalid one stays default, which the vault answers as invalid
        var outcome = await (await vault.GetAsync(ct)).ReadAsync(Policies.ActorOf(user).Value, objectId, purposeId, ct);
        return outcome.Succeeded ? TypedResults.File(outcome.Value.Payload, outcome.Value.Metadata.ContentType) : Problems.From(outcome.Error);
    }
}
