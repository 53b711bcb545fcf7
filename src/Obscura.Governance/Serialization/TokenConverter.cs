using System.Text.Json;
using System.Text.Json.Serialization;

namespace Obscura.Governance.Serialization;

/// <summary>Reads and writes a validated token type as a JSON string.</summary>
internal sealed class TokenConverter<T>(TokenConverter<T>.TryParser parse, Func<T, string> format, string what) : JsonConverter<T>
    where T : struct
{
    public delegate bool TryParser(string? text, out T value);

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String || !parse(reader.GetString(), out var value))
        {
            throw new JsonException($"Expected {what}.");
        }

        return value;
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(format(value));
}
