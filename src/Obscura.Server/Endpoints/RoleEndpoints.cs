using System.Text.Json;
using Obscura.Biometrics.Decisions;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Roles;
using Obscura.Biometrics.Roles.Remote;
using Obscura.Homomorphic.Bgv;
using Obscura.Server.Hosting;
using Obscura.Server.Security;

namespace Obscura.Server.Endpoints;

/// <summary>
/// The biometric role services of a separated deployment, each in its own process with only its own keys: the key
/// holder, the comparison service and the template store. Every route names the calling roles it admits (the role
/// matrix, enforced by <see cref="RoleCredentials"/> on each caller's own credential); refusals travel as problem
/// details that <see cref="RoleConnection"/> turns back into the local exceptions.
/// </summary>
internal static class RoleEndpoints
{
    public static IEndpointRouteBuilder MapRole(this IEndpointRouteBuilder app, ServerRole role)
    {
        var group = app.MapGroup("/v1/roles").WithTags("Biometric roles");
        switch (role)
        {
            case ServerRole.KeyHolder:
                group.MapGet("/keys/public", (KeyHolderService keys, CancellationToken ct) => Run(async () => TypedResults.Ok(await keys.GetPublicMaterialAsync(ct))))
                    .Callers(CallingRole.Capture, CallingRole.Comparison);
                group.MapGet("/keys/evaluation/{encryptionKeyId}", (string encryptionKeyId, KeyHolderService keys, CancellationToken ct) => Run(async () => TypedResults.Ok(await keys.GetEvaluationKeysAsync(encryptionKeyId, ct))))
                    .Callers(CallingRole.Comparison);
                group.MapGet("/keys/rotation/{fromKeyId}/{toKeyId}", (string fromKeyId, string toKeyId, KeyHolderService keys, CancellationToken ct) => Run(async () => TypedResults.Ok(new CiphertextResponse(await keys.GetRotationKeyAsync(fromKeyId, toKeyId, ct)))))
                    .Callers(CallingRole.Comparison);
                group.MapPost("/keys/seal", (SealRequest request, KeyHolderService keys, CancellationToken ct) => Run(async () => TypedResults.Ok(new SealResponse(await keys.SealAsync(request, ct)))))
                    .Callers(CallingRole.Capture);
                group.MapPost("/keys/tickets", (DecisionTicketRequest request, HttpContext http, KeyHolderService keys, CancellationToken ct) => Run(async () => TypedResults.Ok(await keys.IssueDecisionTicketAsync(request, RoleCredentials.NameOf(RoleCredentials.CallerOf(http)), ct))))
                    .Callers(CallingRole.Capture);
                group.MapPost("/keys/decide", (AttestedComparison comparison, HttpContext http, KeyHolderService keys, CancellationToken ct) => Run(async () => TypedResults.Ok(await keys.DecideAsync(comparison, RoleCredentials.NameOf(RoleCredentials.CallerOf(http)), ct))))
                    .Callers(CallingRole.Comparison);
                group.MapPost("/keys/rotation", (KeyHolderService keys, CancellationToken ct) => Run(async () => TypedResults.Ok(await keys.BeginRotationAsync(ct))))
                    .Callers(CallingRole.Capture);
                group.MapPost("/keys/rotation/complete", (KeyHolderService keys, CancellationToken ct) => Run(async () =>
                {
                    await keys.CompleteRotationAsync(ct);
                    return TypedResults.NoContent();
                })).Callers(CallingRole.Capture);
                break;
            case ServerRole.Comparison:
                group.MapPost("/comparison/compare", (CompareRequest request, ComparisonRole comparison, CancellationToken ct) => Run(async () => TypedResults.Ok(await comparison.CompareAsync(request.Reference, request.SubjectId, request.Probe, request.TicketNonce, ct))))
                    .Callers(CallingRole.Capture);
                group.MapPost("/comparison/switch-key", (SwitchKeyRequest request, ComparisonRole comparison, CancellationToken ct) => Run(async () => TypedResults.Ok(new CiphertextResponse(await comparison.SwitchKeyAsync(request.Reference, request.SubjectId, request.TargetEncryptionKeyId, ct)))))
                    .Callers(CallingRole.Capture);
                break;
            case ServerRole.Storage:
                group.MapPut("/storage/templates/{subjectId}", (string subjectId, SealedTemplate template, FileTemplateStore store, CancellationToken ct) => Run(async () =>
                {
                    if (template.SubjectId != subjectId)
                    {
                        throw new ArgumentException("The template's subject differs from the path's.");
                    }

                    await store.SaveAsync(template, ct);
                    return TypedResults.NoContent();
                })).Callers(CallingRole.Capture);
                group.MapGet("/storage/templates/{subjectId}", (string subjectId, FileTemplateStore store, CancellationToken ct) => Run(async () =>
                    await store.FindAsync(subjectId, ct) is { } template ? TypedResults.Ok(template) : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not enrolled.")))
                    .Callers(CallingRole.Capture);
                group.MapGet("/storage/subjects", (FileTemplateStore store, CancellationToken ct) => Run(async () => TypedResults.Ok(new SubjectList(await store.ListSubjectsAsync(ct)))))
                    .Callers(CallingRole.Capture);
                group.MapDelete("/storage/templates/{subjectId}", (string subjectId, string enrolmentId, FileTemplateStore store, CancellationToken ct) => Run(async () =>
                    await store.DeleteAsync(subjectId, enrolmentId, ct) ? TypedResults.NoContent() : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not enrolled.")))
                    .Callers(CallingRole.Capture);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(role), role, "Not a role service.");
        }

        return app;
    }

    /// <summary>The route's row of the role matrix: the calling roles it admits.</summary>
    private static RouteHandlerBuilder Callers(this RouteHandlerBuilder route, params CallingRole[] roles) =>
        route.WithMetadata(new AllowedCallers(roles.ToHashSet()));

    /// <summary>Runs a role operation, mapping its refusals to the status codes of <see cref="RoleProblems"/>.</summary>
    private static async Task<IResult> Run(Func<Task<IResult>> operation)
    {
        try
        {
            return await operation();
        }
        catch (BrokenSealException e)
        {
            return Results.Problem(detail: e.Message, statusCode: RoleProblems.BrokenSeal, title: "Broken seal.");
        }
        catch (KeyRevokedException e)
        {
            return Results.Problem(detail: e.Message, statusCode: RoleProblems.KeyRevoked, title: "Key revoked.", extensions: new Dictionary<string, object?> { ["keyId"] = e.KeyId });
        }
        catch (DecisionRefusedException e)
        {
            return Results.Problem(
                detail: e.Message,
                statusCode: e.IsRateLimit ? RoleProblems.RateLimited : RoleProblems.DecisionRefused,
                title: e.IsRateLimit ? "Decision rate limit reached." : "Decision refused.",
                extensions: new Dictionary<string, object?> { ["reason"] = e.Reason.ToString() });
        }
        catch (Exception e) when (e is BgvFormatException or ArgumentException or JsonException)
        {
            return Results.Problem(detail: e.Message, statusCode: RoleProblems.Malformed, title: "The request is invalid.");
        }
    }
}
