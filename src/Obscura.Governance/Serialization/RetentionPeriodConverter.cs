using System.Text.Json;
using System.Text.Json.Serialization;
using Obscura.Governance.Purposes;

namespace Obscura.Governance.Serialization;

/// <summary>A retention period is written as a whole number of days.</summary>
internal sealed class RetentionPeriodConverter : JsonConverter<RetentionPeriod>
{
    public override RetentionPeriod Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var days) || days is < 1 or > RetentionPeriod.MaxDays)
        {
            throw new JsonException($"Expected a retention period in whole days between 1 and {RetentionPeriod.MaxDays}.");
        }

        return RetentionPeriod.FromDays(days);
    }

    public override void Write(Utf8JsonWriter writer, RetentionPeriod value, JsonSerializerOptions options) => writer.WriteNumberValue(value.Days);
}
