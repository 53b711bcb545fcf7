namespace Obscura.Biometrics.Onnx.Models;

/// <summary>A node attribute of one of the kinds <see cref="OnnxModelWriter"/> writes: int, ints or float.</summary>
public sealed class OnnxAttributeValue
{
    // AttributeProto.AttributeType values from onnx.proto.
    private const int TypeFloat = 1;
    private const int TypeInt = 2;
    private const int TypeInts = 7;

    private readonly int _type;
    private readonly float _float;
    private readonly long[] _ints;

    private OnnxAttributeValue(string name, int type, float value, long[] ints)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        _type = type;
        _float = value;
        _ints = ints;
    }

    /// <summary>The attribute's name, e.g. "strides".</summary>
    public string Name { get; }

    /// <summary>An integer attribute (e.g. Flatten's "axis").</summary>
    public static OnnxAttributeValue Int64Value(string name, long value) => new(name, TypeInt, 0, [value]);

    /// <summary>A list-of-integers attribute (e.g. Conv's "pads").</summary>
    public static OnnxAttributeValue Int64List(string name, params ReadOnlySpan<long> values) => new(name, TypeInts, 0, values.ToArray());

    /// <summary>A float attribute (e.g. LeakyRelu's "alpha").</summary>
    public static OnnxAttributeValue FloatValue(string name, float value) => new(name, TypeFloat, value, []);

    internal ProtoWriter ToProto()
    {
        // AttributeProto: name = 1, f = 2, i = 3, ints = 8, type = 20.
        var proto = new ProtoWriter().String(1, Name);
        switch (_type)
        {
            case TypeFloat:
                proto.Float(2, _float);
                break;
            case TypeInt:
                proto.Varint(3, _ints[0]);
                break;
            default:
                foreach (var v in _ints)
                {
                    proto.Varint(8, v);
                }

                break;
        }

        return proto.Varint(20, _type);
    }
}
