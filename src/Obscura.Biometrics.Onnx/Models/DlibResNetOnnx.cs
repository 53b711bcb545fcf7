namespace Obscura.Biometrics.Onnx.Models;

/// <summary>
/// Converts dlib's ResNet face recogniser (Davis King's <c>dlib_face_recognition_resnet_model_v1</c>, 128-d), as
/// packaged in TensorFlow.js form by @vladmandic/face-api (<c>face_recognition_model</c>), into an ONNX graph that
/// computes the same descriptor as face-api's <c>FaceRecognitionNet</c>:
/// input <c>image</c> float [N, 3, 150, 150], RGB values 0–255 in NCHW order; output <c>embedding</c> float
/// [N, 128], raw (not L2-normalised). The graph subtracts the mean RGB (122.782, 117.001, 104.298) and divides by 255
/// itself, and each layer's conv bias and per-channel scale/offset are folded into the Conv weights and bias.
/// </summary>
/// <remarks>
/// The structure follows face-api's forward pass: conv 7×7/2 'valid' + ReLU, max-pool 3×3/2 'valid', residual blocks
/// (conv 3×3 'same' + ReLU, conv 3×3 'same', add the input, ReLU) and down-sampling residual blocks (conv 3×3/2
/// 'valid' + ReLU, conv 3×3 'same'; shortcut = average-pool 2×2/2 of the input, zero-padded in channels when the
/// width doubles; where the conv branch is smaller than the shortcut it gets one zero row and one zero column at the
/// end), the spatial mean, and a 256×128 matrix product.
/// </remarks>
public static class DlibResNetOnnx
{
    /// <summary>The input's height and width in pixels.</summary>
    public const int InputSize = 150;

    /// <summary>The embedding's length.</summary>
    public const int EmbeddingDimension = 128;

    /// <summary>The graph input's name.</summary>
    public const string InputName = "image";

    /// <summary>The graph output's name.</summary>
    public const string OutputName = "embedding";

    private static readonly float[] MeanRgb = [122.782f, 117.001f, 104.298f];

    private static readonly (string Name, int In, int Out, bool Down)[] Blocks =
    [
        ("conv32_1", 32, 32, false), ("conv32_2", 32, 32, false), ("conv32_3", 32, 32, false),
        ("conv64_down", 32, 64, true), ("conv64_1", 64, 64, false), ("conv64_2", 64, 64, false), ("conv64_3", 64, 64, false),
        ("conv128_down", 64, 128, true), ("conv128_1", 128, 128, false), ("conv128_2", 128, 128, false),
        ("conv256_down", 128, 256, true), ("conv256_1", 256, 256, false), ("conv256_2", 256, 256, false),
        ("conv256_down_out", 256, 256, true),
    ];

    /// <summary>Builds the ONNX model. The same inputs always give the same bytes.</summary>
    /// <param name="manifestJson">face-api's <c>face_recognition_model-weights_manifest.json</c>.</param>
    /// <param name="weightsBin">The manifest's weight files concatenated (face-api ships one: <c>face_recognition_model.bin</c>).</param>
    /// <returns>A serialised ONNX ModelProto (IR 8, opset 13).</returns>
    /// <exception cref="InvalidDataException">The weights cannot be read (see <see cref="TfjsWeights.Read"/>), a weight
    /// of the network is missing or has the wrong shape, or there are weights the network does not use.</exception>
    public static byte[] Convert(byte[] manifestJson, byte[] weightsBin)
    {
        ArgumentNullException.ThrowIfNull(manifestJson);
        ArgumentNullException.ThrowIfNull(weightsBin);
        return new GraphBuilder(TfjsWeights.Read(manifestJson, weightsBin)).Build();
    }

    /// <summary>A value in the graph under construction and its static shape (channels, height, width; batch N).</summary>
    private readonly record struct Value(string Name, int Channels, int Height, int Width);

    private sealed class GraphBuilder(IReadOnlyDictionary<string, FloatTensor> weights)
    {
        private readonly OnnxModelWriter _writer = new(
            "dlib_face_recognition_resnet_model_v1",
            "dlib ResNet face recogniser (Davis King, dlib-models, public domain) converted by Obscura from the TensorFlow.js "
            + "weights of @vladmandic/face-api (MIT). Input: RGB 0-255, NCHW, 150x150. Output: raw 128-d descriptor.");

        private readonly HashSet<string> _used = new(StringComparer.Ordinal);

        public byte[] Build()
        {
            _writer.AddInput(InputName, "N", 3, InputSize, InputSize);
            _writer.AddInitializer("mean_rgb", [1, 3, 1, 1], MeanRgb);
            _writer.AddInitializer("pixel_scale", [], [255f]);
            _writer.AddNode("Sub", "subtract_mean", [InputName, "mean_rgb"], ["centred"]);
            _writer.AddNode("Div", "divide_255", ["centred", "pixel_scale"], ["normalised"]);

            var x = new Value("normalised", 3, InputSize, InputSize);
            x = ConvLayer(x, "conv32_down", 32, 7, stride: 2, same: false, relu: true);
            x = Pool("MaxPool", x, "max_pool", kernel: 3, stride: 2);
            foreach (var (name, channelsIn, channelsOut, down) in Blocks)
            {
                if (x.Channels != channelsIn)
                {
                    throw new InvalidOperationException($"Block {name} expects {channelsIn} channels, has {x.Channels}.");
                }

                x = down ? ResidualDown(x, name, channelsOut) : Residual(x, name);
            }

            _writer.AddNode("ReduceMean", "spatial_mean", [x.Name], ["pooled"], OnnxAttributeValue.Int64List("axes", 2, 3), OnnxAttributeValue.Int64Value("keepdims", 0));
            var fc = Take("fc", x.Channels, EmbeddingDimension);
            _writer.AddInitializer("fc", [x.Channels, EmbeddingDimension], fc.Data);
            _writer.AddNode("MatMul", "fc", ["pooled", "fc"], [OutputName]);
            _writer.AddOutput(OutputName, "N", EmbeddingDimension);

            var unused = weights.Keys.Where(k => !_used.Contains(k)).Order(StringComparer.Ordinal).ToList();
            if (unused.Count > 0)
            {
                throw new InvalidDataException($"The weights hold {unused.Count} tensor(s) the network does not use (first: '{unused[0]}'): this is not face-api's face_recognition_model.");
            }

            return _writer.ToArray();
        }

        private Value Residual(Value x, string block)
        {
            var e = ConvLayer(x, $"{block}/conv1", x.Channels, 3, stride: 1, same: true, relu: true);
            e = ConvLayer(e, $"{block}/conv2", x.Channels, 3, stride: 1, same: true, relu: false);
            _writer.AddNode("Add", $"{block}/add", [e.Name, x.Name], [$"{block}/sum"]);
            _writer.AddNode("Relu", $"{block}/relu", [$"{block}/sum"], [block]);
            return x with { Name = block };
        }

        private Value ResidualDown(Value x, string block, int channelsOut)
        {
            var e = ConvLayer(x, $"{block}/conv1", channelsOut, 3, stride: 2, same: false, relu: true);
            e = ConvLayer(e, $"{block}/conv2", channelsOut, 3, stride: 1, same: true, relu: false);
            var shortcut = Pool("AveragePool", x, $"{block}/avg_pool", kernel: 2, stride: 2);

            // face-api: when the shapes differ, concatenate one zero row and then one zero column at the end.
            if (e.Height != shortcut.Height || e.Width != shortcut.Width)
            {
                e = PadEnd(e, $"{block}/pad_conv", channels: 0, rows: 1, columns: 1);
            }

            // face-api: when the channel count differs, concatenate as many zero channels as there are.
            if (shortcut.Channels != e.Channels)
            {
                shortcut = PadEnd(shortcut, $"{block}/pad_shortcut", channels: shortcut.Channels, rows: 0, columns: 0);
            }

            if (e.Channels != shortcut.Channels || e.Height != shortcut.Height || e.Width != shortcut.Width)
            {
                throw new InvalidOperationException($"Block {block}: branch shapes differ after padding.");
            }

            _writer.AddNode("Add", $"{block}/add", [shortcut.Name, e.Name], [$"{block}/sum"]);
            _writer.AddNode("Relu", $"{block}/relu", [$"{block}/sum"], [block]);
            return e with { Name = block };
        }

        private Value PadEnd(Value x, string name, int channels, int rows, int columns)
        {
            _writer.AddInitializer($"{name}/pads", [8], [0, 0, 0, 0, 0, channels, rows, columns]);
            _writer.AddNode("Pad", name, [x.Name, $"{name}/pads"], [name]);
            return new Value(name, x.Channels + channels, x.Height + rows, x.Width + columns);
        }

        private Value Pool(string op, Value x, string name, int kernel, int stride)
        {
            _writer.AddNode(op, name, [x.Name], [name], OnnxAttributeValue.Int64List("kernel_shape", kernel, kernel), OnnxAttributeValue.Int64List("strides", stride, stride));
            return new Value(name, x.Channels, ((x.Height - kernel) / stride) + 1, ((x.Width - kernel) / stride) + 1);
        }

        /// <summary>face-api's conv layer: conv2d, + bias, × scale weights, + scale biases, optional ReLU; folded into one Conv.</summary>
        private Value ConvLayer(Value x, string layer, int channelsOut, int kernel, int stride, bool same, bool relu)
        {
            var filters = Take($"{layer}/conv/filters", kernel, kernel, x.Channels, channelsOut);
            var bias = Take($"{layer}/conv/bias", channelsOut).Data;
            var scale = Take($"{layer}/scale/weights", channelsOut).Data;
            var offset = Take($"{layer}/scale/biases", channelsOut).Data;

            // tfjs filters are [kh, kw, in, out]; ONNX wants [out, in, kh, kw].
            var channelsIn = x.Channels;
            var w = new float[filters.Data.Length];
            var b = new float[channelsOut];
            for (var o = 0; o < channelsOut; o++)
            {
                b[o] = (float)(((double)bias[o] * scale[o]) + offset[o]);
                for (var i = 0; i < channelsIn; i++)
                {
                    for (var ky = 0; ky < kernel; ky++)
                    {
                        for (var kx = 0; kx < kernel; kx++)
                        {
                            var source = (((((ky * kernel) + kx) * channelsIn) + i) * channelsOut) + o;
                            var target = (((((o * channelsIn) + i) * kernel) + ky) * kernel) + kx;
                            w[target] = (float)((double)filters.Data[source] * scale[o]);
                        }
                    }
                }
            }

            _writer.AddInitializer($"{layer}/W", [channelsOut, channelsIn, kernel, kernel], w);
            _writer.AddInitializer($"{layer}/B", [channelsOut], b);
            var (height, top, bottom) = Padding(x.Height, kernel, stride, same);
            var (width, left, right) = Padding(x.Width, kernel, stride, same);
            var output = relu ? $"{layer}/conv" : layer;
            _writer.AddNode(
                "Conv",
                $"{layer}/conv",
                [x.Name, $"{layer}/W", $"{layer}/B"],
                [output],
                OnnxAttributeValue.Int64List("kernel_shape", kernel, kernel),
                OnnxAttributeValue.Int64List("strides", stride, stride),
                OnnxAttributeValue.Int64List("pads", top, left, bottom, right));
            if (relu)
            {
                _writer.AddNode("Relu", $"{layer}/relu", [output], [layer]);
            }

            return new Value(layer, channelsOut, height, width);
        }

        /// <summary>TensorFlow's output size and padding: 'valid' pads nothing; 'same' gives ceil(in / stride) outputs, with any odd padding at the end.</summary>
        private static (int Size, long Begin, long End) Padding(int size, int kernel, int stride, bool same)
        {
            if (!same)
            {
                return (((size - kernel) / stride) + 1, 0, 0);
            }

            var output = (size + stride - 1) / stride;
            var total = Math.Max(0, ((output - 1) * stride) + kernel - size);
            return (output, total / 2, total - (total / 2));
        }

        private FloatTensor Take(string name, params ReadOnlySpan<int> shape)
        {
            if (!weights.TryGetValue(name, out var tensor))
            {
                throw new InvalidDataException($"The weights have no tensor '{name}': this is not face-api's face_recognition_model.");
            }

            if (!tensor.HasShape(shape))
            {
                throw new InvalidDataException($"The tensor '{name}' has shape {tensor.ShapeText}; the network needs [{string.Join(", ", shape.ToArray())}].");
            }

            _used.Add(name);
            return tensor;
        }
    }
}
