using SkiaSharp;

namespace Obscura.Biometrics.Onnx.Tests;

/// <summary>The photos under data/photos (see data/photos/SOURCES.md), decoded.</summary>
internal static class TestPhotos
{
    public static SKBitmap Load(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "data", "photos", name);
        return SKBitmap.Decode(path) ?? throw new InvalidOperationException($"Test photo {name} could not be decoded.");
    }

    /// <summary>Hopper (left) and Collins (right), each cropped to a square around the face and drawn 256×256 on a
    /// 512×256 canvas, so both faces are large enough for the short-range model.</summary>
    public static SKBitmap TwoFaces()
    {
        using var hopper = Load("hopper.jpg");
        using var collins = Load("collins.jpg");
        var canvasBitmap = new SKBitmap(512, 256);
        using var canvas = new SKCanvas(canvasBitmap);
        using var hopperImage = SKImage.FromBitmap(hopper);
        using var collinsImage = SKImage.FromBitmap(collins);
        var sampling = new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear);
        canvas.Clear(SKColors.Gray);
        canvas.DrawImage(hopperImage, SKRect.Create(130, 90, 270, 270), SKRect.Create(0, 0, 256, 256), sampling);
        canvas.DrawImage(collinsImage, SKRect.Create(45, 0, 135, 135), SKRect.Create(256, 0, 256, 256), sampling);
        return canvasBitmap;
    }

    /// <summary>An image turned clockwise by <paramref name="degrees"/> about its centre, black corners.</summary>
    public static SKBitmap Rotated(SKBitmap image, float degrees)
    {
        var rotated = new SKBitmap(image.Width, image.Height);
        using var canvas = new SKCanvas(rotated);
        using var source = SKImage.FromBitmap(image);
        canvas.Clear(SKColors.Black);
        canvas.RotateDegrees(degrees, image.Width / 2f, image.Height / 2f);
        canvas.DrawImage(source, 0, 0, new SKSamplingOptions(SKFilterMode.Linear));
        return rotated;
    }
}
