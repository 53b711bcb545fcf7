using SkiaSharp;

namespace Obscura.Biometrics.Onnx.Detection;

/// <summary>
/// Where an image sits inside the square model input: scaled by one factor so its longer side fills the square,
/// centred, the rest padded. Maps points back from normalised input coordinates to image pixels.
/// </summary>
internal readonly record struct Letterbox(float Scale, float OffsetX, float OffsetY, SKRect Destination)
{
    /// <summary>The letterbox of a <paramref name="width"/>×<paramref name="height"/> image in a square of
    /// <paramref name="size"/> pixels.</summary>
    internal static Letterbox Fit(int width, int height, int size)
    {
        var scale = (float)size / Math.Max(width, height);
        var drawnWidth = width * scale;
        var drawnHeight = height * scale;
        var offsetX = (size - drawnWidth) / 2;
        var offsetY = (size - drawnHeight) / 2;
        return new Letterbox(scale, offsetX, offsetY, SKRect.Create(offsetX, offsetY, drawnWidth, drawnHeight));
    }

    /// <summary>A point given in [0, 1] of the square input, in image pixels.</summary>
    internal SKPoint ToImage(float normalisedX, float normalisedY, int size) =>
        new(((normalisedX * size) - OffsetX) / Scale, ((normalisedY * size) - OffsetY) / Scale);
}
