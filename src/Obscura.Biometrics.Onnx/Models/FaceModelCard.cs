using System.Text.Json.Serialization;

namespace Obscura.Biometrics.Onnx.Models;

/// <summary>
/// A model card: what a model is, where it comes from, under which licence, what it was trained on, what it takes
/// and gives, and the SHA-256 of the exact ONNX file Obscura runs. <see cref="FaceModelStore"/> refuses a file whose
/// hash differs (the supply-chain check of ICO's AI-security guidance).
/// </summary>
public sealed record FaceModelCard
{
    /// <summary>Short stable id, also the file name (<c>&lt;id&gt;.onnx</c>) in the model folder.</summary>
    public required string Id { get; init; }

    /// <summary>What the model does, in a line.</summary>
    public required string Title { get; init; }

    /// <summary>The package the source files come from.</summary>
    public required ModelPackage Package { get; init; }

    /// <summary>The files inside the package the ONNX file is built from (one, copied as is, or several, converted).</summary>
    public required IReadOnlyList<ModelSourceFile> Sources { get; init; }

    /// <summary>Lower-case hex SHA-256 of the ONNX file Obscura runs (after conversion, where there is one).</summary>
    public required string Sha256 { get; init; }

    /// <summary>The licence of the weights, and of the package where it differs.</summary>
    public required string Licence { get; init; }

    /// <summary>Training data, as far as it is known.</summary>
    public required string TrainingData { get; init; }

    /// <summary>The input tensor and the preprocessing the graph expects.</summary>
    public required string Input { get; init; }

    /// <summary>The output tensors.</summary>
    public required string Output { get; init; }

    /// <summary>How the ONNX file is obtained from the sources, and known limits.</summary>
    public string Notes { get; init; } = "";

    /// <summary>
    /// For an embedding model: the cosine-similarity threshold calibrated on real pairs (see docs/biometrics.md for
    /// the pairs and the FMR it gives); null for a detector.
    /// </summary>
    public double? MatchThreshold { get; init; }

    /// <summary>Builds the ONNX bytes from the source files' bytes, in <see cref="Sources"/> order; null when the single source is the ONNX file.</summary>
    [JsonIgnore]
    public Func<IReadOnlyList<byte[]>, byte[]>? Build { get; init; }
}
