using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Obscura.Server.Hosting;

/// <summary>
/// Documents the error responses every operation can give, as RFC 9457 problem details (<c>application/problem+json</c>),
/// from what the pipeline and the endpoint really do: 401, 403 and 429 (per-key rate limit) wherever a key is required;
/// 400 wherever there is something to bind; 413 wherever there is a body; and, for an endpoint that maps a governance
/// outcome (<see cref="Endpoints.Problems"/>), 400 with the invalid field, 404, 409 and 422 with the law's citation.
/// </summary>
internal sealed class ProblemResponsesTransformer : IOpenApiOperationTransformer
{
    /// <summary>Documents statuses an endpoint gives beyond the governance outcomes (they replace a generic description).</summary>
    public static TBuilder WithProblems<TBuilder>(TBuilder builder, params (int Status, string Description)[] problems)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new FurtherProblems(problems));

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var authorised = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
        var method = metadata.OfType<MethodInfo>().FirstOrDefault();
        var outcomes = method is not null && Mentions(method.ReturnType, typeof(ProblemHttpResult));
        var parameters = context.Description.ParameterDescriptions.Where(p => p.Source != BindingSource.Services && p.Source != BindingSource.Special).ToList();
        // A JSON body binds as a parameter; a raw body (the vault's blob upload) is read from the HttpRequest.
        var body = parameters.Any(p => p.Source == BindingSource.Body) || operation.RequestBody is not null
            || (method?.GetParameters().Any(p => p.ParameterType == typeof(HttpRequest)) ?? false);

        var problem = Open(await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken).ConfigureAwait(false));
        var validation = Open(await context.GetOrCreateSchemaAsync(typeof(HttpValidationProblemDetails), null, cancellationToken).ConfigureAwait(false));
        operation.Responses ??= [];
        if (outcomes)
        {
            Add(operation, "400", "Invalid input: `errors` names the field and `detail` says what is wrong.", validation);
            Add(operation, "404", "Not found: the subject, purpose or record named does not exist.", problem);
            Add(operation, "409", "Conflict: it exists already, or it does not apply in the current state.", problem);
            Add(operation, "422", "Refused by law (no lawful basis, consent missing or withdrawn, objection, prohibited practice); `citation` names the article.", problem);
        }
        else if (parameters.Count > 0 || body)
        {
            Add(operation, "400", "The request could not be read: a malformed body, id or parameter.", problem);
        }

        if (body)
        {
            Add(operation, "413", "The body is larger than the server accepts (Obscura:MaxRequestBodyBytes, 64 KiB; vault uploads: Obscura:VaultMaxBlobBytes, 16 MiB).", problem);
        }

        foreach (var (status, description) in metadata.OfType<FurtherProblems>().SelectMany(p => p.Problems))
        {
            operation.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = Problem(description, problem);
        }

        if (authorised)
        {
            Add(operation, "401", "No API key, or an unknown or revoked one (`Authorization: Bearer obk_…`).", problem);
            Add(operation, "403", "The key's role may not call this, or a subject key named another subject.", problem);
            Add(operation, "429", "This key's rate limit is spent; `Retry-After` says when to try again.", problem);
        }
    }

    private static void Add(OpenApiOperation operation, string status, string description, IOpenApiSchema schema)
    {
        if (operation.Responses!.ContainsKey(status))
        {
            return;
        }

        operation.Responses[status] = Problem(description, schema);
    }

    private static OpenApiResponse Problem(string description, IOpenApiSchema schema) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = schema } },
    };

    /// <summary>Problem details carry extension members (<c>citation</c>, <c>traceId</c>): the schema must allow them.</summary>
    private static OpenApiSchema Open(OpenApiSchema schema)
    {
        schema.AdditionalPropertiesAllowed = true;
        schema.AdditionalProperties = null;
        return schema;
    }

    private static bool Mentions(Type type, Type wanted) =>
        type == wanted || (type.IsGenericType && type.GetGenericArguments().Any(a => Mentions(a, wanted)));

    private sealed record FurtherProblems((int Status, string Description)[] Problems);
}
