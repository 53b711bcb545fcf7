using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;

namespace Obscura.ModelPrivacy.Onnx;

/// <summary>
/// A classifier in an ONNX file, run by ONNX Runtime, as an <see cref="ILogitModel"/>. The file is pinned: it is loaded
/// only if its SHA-256 is the one given, and its graph must take one float input [batch, D] (or [D]) and give a float
/// output [batch, C] (or [C]) with D and C as the <see cref="OnnxClassifierSpec"/> states.
/// </summary>
public sealed class OnnxClassifier : ILogitModel, IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly string _outputName;
    private readonly long[] _inputShape;
    private readonly OnnxScores _scores;

    private OnnxClassifier(InferenceSession session, string inputName, string outputName, long[] inputShape, OnnxClassifierSpec spec)
    {
        _session = session;
        _inputName = inputName;
        _outputName = outputName;
        _inputShape = inputShape;
        _scores = spec.Scores;
        Spec = spec;
    }

    /// <summary>What was stated about the model (checked against its graph).</summary>
    public OnnxClassifierSpec Spec { get; }

    /// <inheritdoc />
    public int Inputs => Spec.Inputs;

    /// <inheritdoc />
    public int Classes => Spec.Labels.Count;

    /// <summary>The lower-case hex SHA-256 of a file's bytes, as <see cref="Load"/> pins it.</summary>
    public static string Sha256Of(ReadOnlySpan<byte> file) => Convert.ToHexStringLower(SHA256.HashData(file));

    /// <summary>
    /// Loads the ONNX model in <paramref name="file"/> if its SHA-256 is <paramref name="expectedSha256"/> and its graph
    /// matches <paramref name="spec"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="spec"/> is invalid.</exception>
    /// <exception cref="InvalidDataException">The SHA-256 differs, ONNX Runtime cannot load the file, or the graph's input or output is not as stated.</exception>
    public static OnnxClassifier Load(ReadOnlySpan<byte> file, string expectedSha256, OnnxClassifierSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var actual = Sha256Of(file);
        if (!CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(actual), System.Text.Encoding.ASCII.GetBytes((expectedSha256 ?? "").ToLowerInvariant())))
        {
            throw new InvalidDataException("The ONNX file's SHA-256 is not the one pinned: it is not the file that was named.");
        }

        InferenceSession session;
        try
        {
            using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
            session = new InferenceSession(file.ToArray(), options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidDataException($"Not a loadable ONNX model: {ex.Message}", ex);
        }

        try
        {
            if (session.InputMetadata.Count != 1)
            {
                throw new InvalidDataException($"A classifier takes exactly one input; this graph has {session.InputMetadata.Count}.");
            }

            var (inputName, input) = session.InputMetadata.Single();
            var inputShape = Shape(input, spec.Inputs, "input", inputName);
            string outputName;
            if (spec.OutputName is { } named)
            {
                outputName = session.OutputMetadata.ContainsKey(named) ? named : throw new InvalidDataException($"The graph has no output '{named}'.");
            }
            else
            {
                outputName = session.OutputMetadata.Count == 1 ? session.OutputMetadata.Keys.Single() : throw new InvalidDataException($"The graph has {session.OutputMetadata.Count} outputs: name the one that holds the class scores.");
            }

            Shape(session.OutputMetadata[outputName], spec.Labels.Count, "output", outputName);
            return new OnnxClassifier(session, inputName, outputName, inputShape, spec);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Logits(ReadOnlySpan<float> input, Span<float> logits)
    {
        if (input.Length != Inputs || logits.Length != Classes)
        {
            throw new ArgumentException($"The model takes {Inputs} inputs and gives {Classes} classes.");
        }

        var copy = input.ToArray();
        using var tensor = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(copy), _inputShape);
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, [_inputName], [tensor], [_outputName]);
        var values = outputs[0].GetTensorDataAsSpan<float>();
        if (values.Length != Classes)
        {
            throw new InvalidDataException($"The model gave {values.Length} scores, not {Classes}.");
        }

        for (var j = 0; j < Classes; j++)
        {
            // log p as logits: softmax(log p) = p. A probability of 0 becomes a very negative (finite) logit.
            logits[j] = _scores == OnnxScores.Logits ? values[j] : MathF.Log(Math.Max(values[j], 1e-30f));
        }
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();

    /// <summary>The shape to run one example with: [1, width] for [batch, width], [width] for a 1-D tensor.</summary>
    private static long[] Shape(NodeMetadata node, int width, string what, string name)
    {
        var dims = node.Dimensions;
        var ok = node.IsTensor && node.ElementType == typeof(float) && dims.Length is 1 or 2 && dims[^1] == width && (dims.Length == 1 || dims[0] is -1 or 1);
        if (!ok)
        {
            throw new InvalidDataException($"The graph's {what} '{name}' must be float [batch, {width}]; it is {node.ElementType.Name} [{string.Join(", ", dims)}].");
        }

        return dims.Length == 1 ? [width] : [1, width];
    }
}
