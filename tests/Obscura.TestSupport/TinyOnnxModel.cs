using Obscura.Biometrics.Onnx.Models;

namespace Obscura.TestSupport;

/// <summary>
/// Writes a minimal ONNX model so tests need no download: image [1, 3, H, W] → Flatten → MatMul(W) → embedding
/// [1, d], with W a seeded random [3HW, d] matrix. Written with <see cref="OnnxModelWriter"/> (ONNX IR version 8, opset 13).
/// </summary>
public static class TinyOnnxModel
{
    public static float[] Weights(int inputs, int dimension, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, inputs * dimension).Select(_ => (float)(random.NextDouble() - 0.5))];
    }

    public static byte[] Build(int height, int width, int dimension, float[] weights) =>
        new OnnxModelWriter("tiny-face-embedder")
            .AddInput("image", 1, 3, height, width)
            .AddInitializer("W", [3L * height * width, dimension], weights)
            .AddNode("Flatten", "flatten", ["image"], ["flat"], OnnxAttributeValue.Int64Value("axis", 1))
            .AddNode("MatMul", "project", ["flat", "W"], ["embedding"])
            .AddOutput("embedding", 1, dimension)
            .ToArray();
}
