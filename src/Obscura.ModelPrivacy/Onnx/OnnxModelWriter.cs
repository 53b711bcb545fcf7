using Obscura.ModelPrivacy.Training;

namespace Obscura.ModelPrivacy.Onnx;

/// <summary>
/// Writes one of Obscura's own classifiers as an ONNX model (IR version 8, opset 13), so that ONNX Runtime or any
/// other ONNX consumer serves exactly the trained model: input <c>features</c> float [batch, D], output
/// <c>logits</c> float [batch, C]; logistic regression is one <c>Gemm</c>, the MLP <c>Gemm</c> → <c>Tanh</c> →
/// <c>Gemm</c>, with the parameters as initialisers in <see cref="Classifier"/>'s row-major layout (transB = 1).
/// </summary>
public static class OnnxModelWriter
{
    /// <summary>The graph's input name.</summary>
    public const string InputName = "features";

    /// <summary>The graph's output name (logits, not probabilities).</summary>
    public const string OutputName = "logits";

    private const int FloatType = 1;

    /// <summary>The ONNX model file's bytes for <paramref name="model"/> with <paramref name="parameters"/>.</summary>
    /// <exception cref="ArgumentException">The parameter count is not the model's, or a parameter is not finite.</exception>
    public static byte[] Serialize(Classifier model, ReadOnlySpan<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(model);
        Serving.ModelFile.CheckParameters(model, parameters);
        var (d, h, c) = (model.Inputs, model.Hidden, model.Classes);
        var initialisers = new List<(string Name, long[] Dims, float[] Values)>();
        var nodes = new List<(string Op, string[] Inputs, string Output)>();
        var last = InputName;
        var offset = 0;
        if (h > 0)
        {
            initialisers.Add(("W1", [h, d], parameters.Slice(0, h * d).ToArray()));
            initialisers.Add(("b1", [h], parameters.Slice(h * d, h).ToArray()));
            offset = (h * d) + h;
            nodes.Add(("Gemm", [InputName, "W1", "b1"], "hidden_pre"));
            nodes.Add(("Tanh", ["hidden_pre"], "hidden"));
            last = "hidden";
        }

        var width = h > 0 ? h : d;
        initialisers.Add(("W", [c, width], parameters.Slice(offset, c * width).ToArray()));
        initialisers.Add(("b", [c], parameters.Slice(offset + (c * width), c).ToArray()));
        nodes.Add(("Gemm", [last, "W", "b"], OutputName));

        // Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto).
        var file = new ProtobufWriter()
            .Varint(1, 8)                                                   // ir_version
            .String(2, "obscura")                                           // producer_name
            .Message(8, o => o.String(1, "").Varint(2, 13))                 // opset_import: default domain, opset 13
            .Message(7, g =>                                                // graph
            {
                for (var i = 0; i < nodes.Count; i++)
                {
                    var (op, inputs, output) = nodes[i];
                    g.Message(1, n =>
                    {
                        foreach (var input in inputs)
                        {
                            n.String(1, input);
                        }

                        n.String(2, output).String(3, $"node{i}").String(4, op);
                        if (op == "Gemm")
                        {
                            n.Message(5, a => a.String(1, "transB").Varint(3, 1).Varint(20, 2)); // attribute transB: INT 1
                        }
                    });
                }

                g.String(2, model.Hidden == 0 ? "obscura-logistic-regression" : "obscura-mlp");
                foreach (var (name, dims, values) in initialisers)
                {
                    g.Message(5, t =>
                    {
                        foreach (var dim in dims)
                        {
                            t.Varint(1, dim);
                        }

                        t.Varint(2, FloatType).String(8, name).Floats(9, values);
                    });
                }

                g.Message(11, v => ValueInfo(v, InputName, d));
                g.Message(12, v => ValueInfo(v, OutputName, c));
            });
        return file.ToArray();
    }

    /// <summary>A float tensor [batch, <paramref name="width"/>] named <paramref name="name"/>.</summary>
    private static void ValueInfo(ProtobufWriter v, string name, int width) =>
        v.String(1, name).Message(2, type => type.Message(1, tensor => tensor
            .Varint(1, FloatType)
            .Message(2, shape => shape
                .Message(1, dim => dim.String(2, "batch"))
                .Message(1, dim => dim.Varint(1, width)))));
}
