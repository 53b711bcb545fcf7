using System.Text.Json;
using System.Text.Json.Serialization;

namespace Obscura.ModelPrivacy.Serving;

/// <summary>Writes and reads an <see cref="OutputPolicy"/> as its canonical text, e.g. <c>"top-k:3,rounded:1"</c>.</summary>
public sealed class OutputPolicyJsonConverter : JsonConverter<OutputPolicy>
{
    /// <inheritdoc />
    public override OutputPolicy Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        try
        {
            return OutputPolicy.Parse(reader.GetString() ?? "");
        }
        catch (FormatException ex)
        {
            throw new JsonException(ex.Message, ex);
        }
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, OutputPolicy value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue(value.ToString());
    }
}
