using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Server.Hosting;

/// <summary>Describes the typed ids as the strings (and the retention period as the integer) they are on the wire.</summary>
internal sealed class TokenSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
        if (type == typeof(SubjectId) || type == typeof(PurposeId) || type == typeof(DataCategory))
        {
            schema.Type = JsonSchemaType.String;
            schema.Properties?.Clear();
        }
        else if (type == typeof(RetentionPeriod))
        {
            schema.Type = JsonSchemaType.Integer;
            schema.Description = "Retention period in whole days.";
            schema.Properties?.Clear();
        }

        return Task.CompletedTask;
    }
}
