using System.Buffers.Binary;

namespace Obscura.Biometrics.Onnx.Models;

/// <summary>
/// Writes a minimal ONNX model (a <c>ModelProto</c>: IR version 8, default-domain opset 13, producer "obscura") from
/// nodes, float and int64 initializers, and typed float inputs and outputs. The protobuf is encoded by hand, in the
/// order of the calls, so the same calls always give the same bytes. It checks names, not semantics: ONNX Runtime
/// validates the graph when it loads it.
/// </summary>
public sealed class OnnxModelWriter
{
    /// <summary>The ONNX IR version written.</summary>
    public const long IrVersion = 8;

    /// <summary>The opset of the default ("ai.onnx") domain written.</summary>
    public const long OpsetVersion = 13;

    /// <summary>The producer name written.</summary>
    public const string ProducerName = "obscura";

    // TensorProto.DataType values from onnx.proto.
    private const int ElementFloat = 1;
    private const int ElementInt64 = 7;

    private readonly string _graphName;
    private readonly string? _docString;
    private readonly List<ProtoWriter> _nodes = [];
    private readonly List<ProtoWriter> _initializers = [];
    private readonly List<ProtoWriter> _inputs = [];
    private readonly List<ProtoWriter> _outputs = [];
    private readonly HashSet<string> _values = new(StringComparer.Ordinal);

    /// <summary>Starts an empty graph.</summary>
    /// <param name="graphName">The graph's name.</param>
    /// <param name="docString">Optional free text stored as the graph's doc_string (provenance, licence).</param>
    /// <exception cref="ArgumentException"><paramref name="graphName"/> is empty.</exception>
    public OnnxModelWriter(string graphName, string? docString = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(graphName);
        _graphName = graphName;
        _docString = docString;
    }

    /// <summary>Declares a float graph input.</summary>
    /// <exception cref="ArgumentException">The name is empty or already names a value.</exception>
    public OnnxModelWriter AddInput(string name, params ReadOnlySpan<OnnxDimension> shape)
    {
        Declare(name);
        _inputs.Add(ValueInfo(name, shape));
        return this;
    }

    /// <summary>Declares a float graph output (a value some node produces).</summary>
    /// <exception cref="ArgumentException">The name is empty.</exception>
    public OnnxModelWriter AddOutput(string name, params ReadOnlySpan<OnnxDimension> shape)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _outputs.Add(ValueInfo(name, shape));
        return this;
    }

    /// <summary>Adds a float32 constant, stored little-endian in raw_data.</summary>
    /// <exception cref="ArgumentException">The name is empty or taken, or the shape does not hold <paramref name="data"/>.Length elements.</exception>
    public OnnxModelWriter AddInitializer(string name, ReadOnlySpan<long> shape, ReadOnlySpan<float> data)
    {
        CheckShape(shape, data.Length);
        Declare(name);
        var raw = new byte[checked(data.Length * sizeof(float))];
        for (var i = 0; i < data.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), data[i]);
        }

        _initializers.Add(Tensor(name, shape, ElementFloat, raw));
        return this;
    }

    /// <summary>Adds an int64 constant (e.g. the pads of a Pad node), stored little-endian in raw_data.</summary>
    /// <exception cref="ArgumentException">The name is empty or taken, or the shape does not hold <paramref name="data"/>.Length elements.</exception>
    public OnnxModelWriter AddInitializer(string name, ReadOnlySpan<long> shape, ReadOnlySpan<long> data)
    {
        CheckShape(shape, data.Length);
        Declare(name);
        var raw = new byte[checked(data.Length * sizeof(long))];
        for (var i = 0; i < data.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * sizeof(long)), data[i]);
        }

        _initializers.Add(Tensor(name, shape, ElementInt64, raw));
        return this;
    }

    /// <summary>Adds a node of the default domain. Nodes must be added in topological order.</summary>
    /// <param name="opType">The operator, e.g. "Conv".</param>
    /// <param name="name">The node's name (unique, for diagnostics).</param>
    /// <param name="inputs">Input value names; an empty string skips an optional input.</param>
    /// <param name="outputs">Output value names, each new.</param>
    /// <param name="attributes">The node's attributes.</param>
    /// <exception cref="ArgumentException">A name is empty, or an output already names a value.</exception>
    public OnnxModelWriter AddNode(string opType, string name, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params ReadOnlySpan<OnnxAttributeValue> attributes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(opType);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        if (outputs.Count == 0)
        {
            throw new ArgumentException("A node has at least one output.", nameof(outputs));
        }

        // NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5.
        var node = new ProtoWriter();
        foreach (var input in inputs)
        {
            ArgumentNullException.ThrowIfNull(input, nameof(inputs));
            node.String(1, input);
        }

        foreach (var output in outputs)
        {
            Declare(output);
            node.String(2, output);
        }

        node.String(3, name).String(4, opType);
        foreach (var attribute in attributes)
        {
            ArgumentNullException.ThrowIfNull(attribute, nameof(attributes));
            node.Message(5, attribute.ToProto());
        }

        _nodes.Add(node);
        return this;
    }

    /// <summary>Encodes the model.</summary>
    public byte[] ToArray()
    {
        // GraphProto: node = 1, name = 2, initializer = 5, doc_string = 10, input = 11, output = 12.
        var graph = new ProtoWriter();
        foreach (var node in _nodes)
        {
            graph.Message(1, node);
        }

        graph.String(2, _graphName);
        foreach (var initializer in _initializers)
        {
            graph.Message(5, initializer);
        }

        if (_docString is not null)
        {
            graph.String(10, _docString);
        }

        foreach (var input in _inputs)
        {
            graph.Message(11, input);
        }

        foreach (var output in _outputs)
        {
            graph.Message(12, output);
        }

        // ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8 (domain = 1, version = 2).
        return new ProtoWriter()
            .Varint(1, IrVersion)
            .String(2, ProducerName)
            .Message(7, graph)
            .Message(8, new ProtoWriter().String(1, string.Empty).Varint(2, OpsetVersion))
            .ToArray();
    }

    private void Declare(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_values.Add(name))
        {
            throw new ArgumentException($"The value name '{name}' is already used.", nameof(name));
        }
    }

    private static void CheckShape(ReadOnlySpan<long> shape, int count)
    {
        long product = 1;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException("Dimensions are non-negative.", nameof(shape));
            }

            product = checked(product * d);
        }

        if (product != count)
        {
            throw new ArgumentException($"The shape holds {product} elements but {count} were given.", nameof(shape));
        }
    }

    private static ProtoWriter Tensor(string name, ReadOnlySpan<long> shape, int elementType, byte[] raw)
    {
        // TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9.
        var tensor = new ProtoWriter();
        foreach (var d in shape)
        {
            tensor.Varint(1, d);
        }

        return tensor.Varint(2, elementType).String(8, name).Bytes(9, raw);
    }

    private static ProtoWriter ValueInfo(string name, ReadOnlySpan<OnnxDimension> shape)
    {
        // ValueInfoProto: name = 1, type = 2; TypeProto: tensor_type = 1; Tensor: elem_type = 1, shape = 2;
        // TensorShapeProto: dim = 1; Dimension: dim_value = 1, dim_param = 2.
        var dims = new ProtoWriter();
        foreach (var d in shape)
        {
            var dim = new ProtoWriter();
            if (d.Symbol is { } symbol)
            {
                dim.String(2, symbol);
            }
            else
            {
                dim.Varint(1, d.Value ?? throw new ArgumentException("A dimension is fixed or symbolic.", nameof(shape)));
            }

            dims.Message(1, dim);
        }

        var tensorType = new ProtoWriter().Varint(1, ElementFloat).Message(2, dims);
        return new ProtoWriter().String(1, name).Message(2, new ProtoWriter().Message(1, tensorType));
    }
}
