using System.Text.Json;
using System.Text.Json.Serialization;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Governance.Serialization;

/// <summary>
/// The JSON conventions every Obscura front end and store shares: camelCase, enums by name (numbers refused), typed ids
/// as their text, hashes as base64. Invalid ids fail deserialisation with a <see cref="JsonException"/> naming the path.
/// </summary>
public static class GovernanceJson
{
    /// <summary>Options for reading and writing governance types.</summary>
    public static JsonSerializerOptions Options { get; } = Create(writeIndented: false);

    /// <summary>The same options with indentation, for files people read.</summary>
    public static JsonSerializerOptions Indented { get; } = Create(writeIndented: true);

    /// <summary>Adds Obscura's converters and naming to <paramref name="options"/> (used to configure ASP.NET Core).</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
        options.Converters.Add(new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false));
        options.Converters.Add(new TokenConverter<SubjectId>(SubjectId.TryParse, v => v.Value, "a subject id"));
        options.Converters.Add(new TokenConverter<PurposeId>(PurposeId.TryParse, v => v.Value, "a purpose id"));
        options.Converters.Add(new TokenConverter<DataCategory>(DataCategory.TryParse, v => v.Value, "a data category"));
        options.Converters.Add(new RetentionPeriodConverter());
    }

    private static JsonSerializerOptions Create(bool writeIndented)
    {
        var options = new JsonSerializerOptions { WriteIndented = writeIndented };
        Configure(options);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
