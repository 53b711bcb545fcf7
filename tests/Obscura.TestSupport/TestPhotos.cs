using SkiaSharp;

namespace Obscura.TestSupport;

/// <summary>
/// Real photographs with clear licences (see data/photos/SOURCES.md), and variants made from them: there is only one
/// photo of each person, so a genuine pair is a photo and a changed copy of it (rotated, rescaled, relit, recompressed),
/// not two independent photos.
/// </summary>
public static class TestPhotos
{
    /// <summary>Rear Admiral Grace Hopper, 1984 (US Navy, public domain).</summary>
    public static byte[] Hopper => Read("hopper");

    /// <summary>Astronaut Eileen Collins, 1998 (NASA, public domain).</summary>
    public static byte[] Collins => Read("collins");

    /// <summary>The "cameraman" photograph (scikit-image, CC0): a small face in profile-ish view.</summary>
    public static byte[] Cameraman => Read("cameraman");

    /// <summary>A cup of coffee (scikit-image, CC0): no face.</summary>
    public static byte[] NoFace => Read("coffee");

    /// <summary>The folder the photos are copied to.</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "data", "photos");

    /// <summary>The path of a photo by name without extension.</summary>
    public static string PathOf(string name) =>
        Directory.EnumerateFiles(Folder, name + ".*").Single(p => !p.EndsWith(".md", StringComparison.Ordinal));

    /// <summary>A committed photo, decoded (the caller disposes it).</summary>
    public static SKBitmap Load(string fileName) =>
        SKBitmap.Decode(Path.Combine(Folder, fileName)) ?? throw new InvalidOperationException($"Test photo {fileName} could not be decoded.");

    /// <summary>
    /// Hopper (left) and Collins (right), each cropped to a square around the face and drawn 256×256 on a 512×256
    /// canvas, so both faces are large enough for the short-range detector.
    /// </summary>
    public static SKBitmap TwoFaces()
    {
        using var hopper = Load("hopper.jpg");
        using var collins = Load("collins.jpg");
        var pair = new SKBitmap(512, 256);
        using var canvas = new SKCanvas(pair);
        using var hopperImage = SKImage.FromBitmap(hopper);
        using var collinsImage = SKImage.FromBitmap(collins);
        var sampling = new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear);
        canvas.Clear(SKColors.Gray);
        canvas.DrawImage(hopperImage, SKRect.Create(130, 90, 270, 270), SKRect.Create(0, 0, 256, 256), sampling);
        canvas.DrawImage(collinsImage, SKRect.Create(48, 48, 160, 160), SKRect.Create(256, 0, 256, 256), sampling);
        return pair;
    }

    /// <summary><see cref="TwoFaces"/>, encoded as PNG.</summary>
    public static byte[] TwoFacesPng()
    {
        using var pair = TwoFaces();
        return Encode(pair, SKEncodedImageFormat.Png, 100);
    }

    /// <summary>An image turned clockwise by <paramref name="degrees"/> about its centre, black corners (the caller disposes it).</summary>
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

    /// <summary>A changed copy: rotated by <paramref name="degrees"/> about the centre, scaled, brightness multiplied, re-encoded as JPEG of <paramref name="quality"/>.</summary>
    public static byte[] Variant(byte[] photo, float degrees = 0, float scale = 1, float brightness = 1, int quality = 90)
    {
        using var source = SKBitmap.Decode(photo);
        var width = (int)Math.Round(source.Width * scale);
        var height = (int)Math.Round(source.Height * scale);
        using var target = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using (var canvas = new SKCanvas(target))
        {
            canvas.Clear(SKColors.Gray);
            canvas.Translate(width / 2f, height / 2f);
            canvas.RotateDegrees(degrees);
            canvas.Scale(scale);
            canvas.Translate(-source.Width / 2f, -source.Height / 2f);
            using var paint = new SKPaint
            {
                ColorFilter = SKColorFilter.CreateColorMatrix(
                [
                    brightness, 0, 0, 0, 0,
                    0, brightness, 0, 0, 0,
                    0, 0, brightness, 0, 0,
                    0, 0, 0, 1, 0,
                ]),
            };
            using var image = SKImage.FromBitmap(source);
            canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None), paint);
        }

        return Encode(target, SKEncodedImageFormat.Jpeg, quality);
    }

    /// <summary>A uniform grey PNG.</summary>
    public static byte[] Blank(int width = 320, int height = 240)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        bitmap.Erase(new SKColor(128, 128, 128));
        return Encode(bitmap, SKEncodedImageFormat.Png, 100);
    }

    /// <summary>Encodes a bitmap.</summary>
    public static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, quality);
        return data.ToArray();
    }

    private static byte[] Read(string name) => File.ReadAllBytes(PathOf(name));
}
