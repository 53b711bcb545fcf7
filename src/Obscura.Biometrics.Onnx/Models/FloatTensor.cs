namespace Obscura.Biometrics.Onnx.Models;

/// <summary>A dense float32 tensor in row-major order, as read from a weights file.</summary>
/// <param name="Shape">The dimensions, outermost first; the product is <see cref="Data"/>.Length.</param>
/// <param name="Data">The values.</param>
public sealed record FloatTensor(int[] Shape, float[] Data)
{
    /// <summary>Whether the shape is exactly <paramref name="expected"/>.</summary>
    public bool HasShape(params ReadOnlySpan<int> expected) => Shape.AsSpan().SequenceEqual(expected);

    /// <summary>The shape as "[a, b, c]".</summary>
    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}
