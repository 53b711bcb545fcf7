using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Roles;
using Obscura.Biometrics.Roles.Remote;
using Obscura.Homomorphic.Ckks;
using Obscura.Server.Hosting;

namespace Obscura.Server.Endpoints;

/// <summary>
/// The biometric role services of a separated deployment, each in its own process with only its own keys: the key
/// holder, the comparison service and the template store. Every route needs the deployment's service token; refusals
/// travel as problem details that <see cref="RoleConnection"/> turns back into the local exceptions.
/// </summary>
internal static class RoleEndpoints
{
    public static IEndpointRouteBuilder MapRole(this IEndpointRouteBuilder app, ServerRole role)
    {
        var group = app.MapGroup("/v1/roles").AddEndpointFilter<ServiceTokenFilter>().WithTags("Biometric roles");
        switch (role)
        {
            case ServerRole.KeyHolder:
                group.MapGet("/keys/public", (KeyHolderService keys, CancellationToken ct) => Run(async () => TypedResults.Ok(await keys.GetPublicMaterialAsync(ct))));
                group.MapGet("/keys/evaluation/{encryptionKeyId}", (string encryptionKeyId, KeyHolderService keys, CancellationToken ct) => Run(async () => TypedResults.Ok(await keys.GetEvaluationKeysAsync(encryptionKeyId, ct))));
                group.MapGet("/keys/rotation/{fromKeyId}/{toKeyId}", (string fromKeyId, string toKeyId, KeyHolderService keys, CancellationToken ct) => Run(async () => TypedResults.Ok(new CiphertextResponse(await keys.GetRotationKeyAsync(fromKeyId, toKeyId, ct)))));
                group.MapPost("/keys/seal", (SealRequest request, KeyHolderService keys, CancellationToken ct) => Run(async () => TypedResults.Ok(new SealResponse(await keys.SealAsync(request, ct)))));
                group.MapPost("/keys/decide", (DecideRequest request, KeyHolderService keys, CancellationToken ct) => Run(async () => TypedResults.Ok(new DecisionResponse(await keys.DecideAsync(request.EncryptionKeyId, request.Comparison, ct)))));
                group.MapPost("/keys/rotation", (KeyHolderService keys, CancellationToken ct) => Run(async () => TypedResults.Ok(await keys.BeginRotationAsync(ct))));
                group.MapPost("/keys/rotation/complete", (KeyHolderService keys, CancellationToken ct) => Run(async () =>
                {
                    await keys.CompleteRotationAsync(ct);
                    return TypedResults.NoContent();
                }));
                break;
            case ServerRole.Comparison:
                group.MapPost("/comparison/compare", (CompareRequest request, ComparisonRole comparison, CancellationToken ct) => Run(async () => TypedResults.Ok(new CiphertextResponse(await comparison.CompareAsync(request.Reference, request.SubjectId, request.Probe, ct)))));
                group.MapPost("/comparison/switch-key", (SwitchKeyRequest request, ComparisonRole comparison, CancellationToken ct) => Run(async () => TypedResults.Ok(new CiphertextResponse(await comparison.SwitchKeyAsync(request.Reference, request.SubjectId, request.TargetEncryptionKeyId, ct)))));
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
                }));
                group.MapGet("/storage/templates/{subjectId}", (string subjectId, FileTemplateStore store, CancellationToken ct) => Run(async () =>
                    await store.FindAsync(subjectId, ct) is { } template ? TypedResults.Ok(template) : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not enrolled.")));
                group.MapGet("/storage/subjects", (FileTemplateStore store, CancellationToken ct) => Run(async () => TypedResults.Ok(new SubjectList(await store.ListSubjectsAsync(ct)))));
                group.MapDelete("/storage/templates/{subjectId}", (string subjectId, string enrolmentId, FileTemplateStore store, CancellationToken ct) => Run(async () =>
                    await store.DeleteAsync(subjectId, enrolmentId, ct) ? TypedResults.NoContent() : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not enrolled.")));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(role), role, "Not a role service.");
        }

        return app;
    }

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
        catch (DecisionBudgetSpentException e)
        {
            return Results.Problem(detail: e.Message, statusCode: RoleProblems.BudgetSpent, title: "Decision budget spent.", extensions: new Dictionary<string, object?> { ["budget"] = e.Budget });
        }
        catch (Exception e) when (e is CkksFormatException or ArgumentException or JsonException)
        {
            return Results.Problem(detail: e.Message, statusCode: RoleProblems.Malformed, title: "The request is invalid.");
        }
    }

    /// <summary>Admits a request only with the deployment's service token, compared in constant time.</summary>
    private sealed class ServiceTokenFilter(IOptions<ObscuraOptions> options) : IEndpointFilter
    {
        private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.ServiceToken ?? throw new InvalidOperationException("No service token configured.")));

        public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var header = context.HttpContext.Request.Headers.Authorization.ToString();
            var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : string.Empty;
            if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _expected))
            {
                return ValueTask.FromResult<object?>(Results.Problem(detail: "This role service needs the deployment's service token.", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized."));
            }

            return next(context);
        }
    }
}
