using System.Buffers.Binary;
using System.Text.Json;

namespace Obscura.Biometrics.Onnx.Models;

/// <summary>
/// Reads TensorFlow.js weights: a weights manifest (JSON: an array of groups <c>{paths, weights: [{name, shape,
/// dtype, quantization?}]}</c>) and the group files' bytes concatenated in manifest order. float32 weights are stored
/// little-endian; quantised ones (<c>quantization: {dtype: "uint8" | "uint16", scale, min}</c>) are dequantised as
/// <c>q * scale + min</c>, computed in double and rounded to float32 exactly as tfjs does.
/// </summary>
public static class TfjsWeights
{
    /// <summary>Reads every weight, in manifest order.</summary>
    /// <param name="manifestJson">The UTF-8 manifest.</param>
    /// <param name="weights">All group files of the manifest concatenated in order.</param>
    /// <returns>Name → tensor.</returns>
    /// <exception cref="InvalidDataException">The manifest is not valid JSON of that form, names a weight twice, uses a
    /// dtype other than float32 or a quantisation other than uint8/uint16, has a non-finite scale or min, or the
    /// weights are not exactly as long as the manifest says.</exception>
    public static IReadOnlyDictionary<string, FloatTensor> Read(ReadOnlySpan<byte> manifestJson, ReadOnlySpan<byte> weights)
    {
        var specs = ParseManifest(manifestJson);
        var result = new Dictionary<string, FloatTensor>(StringComparer.Ordinal);
        var offset = 0L;
        foreach (var spec in specs)
        {
            var bytes = (long)spec.Count * spec.BytesPerValue;
            if (offset + bytes > weights.Length)
            {
                throw new InvalidDataException(
                    $"The weights are {weights.Length} bytes but '{spec.Name}' needs bytes {offset} to {offset + bytes}: the file is truncated or does not belong to this manifest.");
            }

            var source = weights.Slice((int)offset, (int)bytes);
            var data = new float[spec.Count];
            switch (spec.BytesPerValue)
            {
                case 1:
                    for (var i = 0; i < data.Length; i++)
                    {
                        data[i] = (float)((source[i] * spec.Scale) + spec.Min);
                    }

                    break;
                case 2:
                    for (var i = 0; i < data.Length; i++)
                    {
                        data[i] = (float)((BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]) * spec.Scale) + spec.Min);
                    }

                    break;
                default:
                    for (var i = 0; i < data.Length; i++)
                    {
                        data[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
                    }

                    break;
            }

            result.Add(spec.Name, new FloatTensor(spec.Shape, data));
            offset += bytes;
        }

        if (offset != weights.Length)
        {
            throw new InvalidDataException($"The manifest accounts for {offset} bytes but the weights are {weights.Length} bytes: they do not belong together.");
        }

        return result;
    }

    private static List<WeightSpec> ParseManifest(ReadOnlySpan<byte> manifestJson)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(manifestJson.ToArray());
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The weights manifest is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException("The weights manifest must be a JSON array of weight groups.");
            }

            var specs = new List<WeightSpec>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var group in document.RootElement.EnumerateArray())
            {
                if (group.ValueKind != JsonValueKind.Object || !group.TryGetProperty("weights", out var entries) || entries.ValueKind != JsonValueKind.Array)
                {
                    throw new InvalidDataException("Each weight group in the manifest must be an object with a 'weights' array.");
                }

                foreach (var entry in entries.EnumerateArray())
                {
                    var spec = ParseWeight(entry);
                    if (!names.Add(spec.Name))
                    {
                        throw new InvalidDataException($"The manifest names the weight '{spec.Name}' twice.");
                    }

                    specs.Add(spec);
                }
            }

            return specs;
        }
    }

    private static WeightSpec ParseWeight(JsonElement entry)
    {
        if (entry.ValueKind != JsonValueKind.Object
            || !entry.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String
            || string.IsNullOrEmpty(nameElement.GetString()))
        {
            throw new InvalidDataException("Each weight in the manifest must be an object with a non-empty 'name'.");
        }

        var name = nameElement.GetString()!;
        if (!entry.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"The weight '{name}' has no 'shape' array.");
        }

        var shape = new int[shapeElement.GetArrayLength()];
        var count = 1L;
        var index = 0;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out var size) || size < 0)
            {
                throw new InvalidDataException($"The weight '{name}' has a shape entry that is not a non-negative integer.");
            }

            shape[index++] = size;
            count *= size;
            if (count > Array.MaxLength)
            {
                throw new InvalidDataException($"The weight '{name}' is too large ({string.Join('x', shape)}).");
            }
        }

        if (!entry.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String)
        {
            throw new InvalidDataException($"The weight '{name}' has no 'dtype'.");
        }

        if (dtype.GetString() != "float32")
        {
            throw new InvalidDataException($"The weight '{name}' has dtype '{dtype.GetString()}'; only float32 weights are supported.");
        }

        if (!entry.TryGetProperty("quantization", out var quantization) || quantization.ValueKind == JsonValueKind.Null)
        {
            return new WeightSpec(name, shape, (int)count, 4, 0, 0);
        }

        if (quantization.ValueKind != JsonValueKind.Object || !quantization.TryGetProperty("dtype", out var qtype) || qtype.ValueKind != JsonValueKind.String)
        {
            throw new InvalidDataException($"The weight '{name}' has a 'quantization' without a 'dtype'.");
        }

        var bytesPerValue = qtype.GetString() switch
        {
            "uint8" => 1,
            "uint16" => 2,
            var other => throw new InvalidDataException($"The weight '{name}' is quantised as '{other}'; only uint8 and uint16 (scale/min) are supported."),
        };
        var scale = FiniteNumber(quantization, "scale", name);
        var min = FiniteNumber(quantization, "min", name);
        return new WeightSpec(name, shape, (int)count, bytesPerValue, scale, min);
    }

    private static double FiniteNumber(JsonElement quantization, string property, string name)
    {
        if (!quantization.TryGetProperty(property, out var element) || element.ValueKind != JsonValueKind.Number
            || !element.TryGetDouble(out var value) || !double.IsFinite(value))
        {
            throw new InvalidDataException($"The weight '{name}' has a quantisation '{property}' that is missing or not a finite number.");
        }

        return value;
    }

    private sealed record WeightSpec(string Name, int[] Shape, int Count, int BytesPerValue, double Scale, double Min);
}
