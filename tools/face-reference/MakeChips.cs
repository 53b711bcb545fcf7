#:package SkiaSharp
#:package SkiaSharp.NativeAssets.Linux.NoDependencies
#:property PublishAot=false
#:property GenerateDocumentationFile=true

// Makes the 150x150 RGB face chips used as known-answer inputs: a fixed square crop around the face of each photo,
// resized with SkiaSharp (linear filtering, no mipmaps) and written as an opaque 8-bit PNG.
// Usage: dotnet run MakeChips.cs -- <hopper.jpg> <astronaut.png> <output folder>
using SkiaSharp;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: dotnet run MakeChips.cs -- <grace_hopper_512x512.jpg> <astronaut.png> <output folder>");
    return 2;
}

Directory.CreateDirectory(args[2]);
// Crop squares (left, top, side) in source pixels, chosen by eye so that the face fills roughly the middle 2/3.
Chip(args[0], new SKRectI(154, 104, 154 + 211, 104 + 211), Path.Combine(args[2], "hopper-150.png"));
Chip(args[1], new SKRectI(163, 64, 163 + 119, 64 + 119), Path.Combine(args[2], "collins-150.png"));
return 0;

static void Chip(string source, SKRectI crop, string destination)
{
    using var image = SKBitmap.Decode(source) ?? throw new InvalidDataException($"cannot decode {source}");
    using var cropped = new SKBitmap(crop.Width, crop.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
    if (!image.ExtractSubset(cropped, crop))
    {
        throw new InvalidOperationException("crop outside the image");
    }

    using var chip = new SKBitmap(new SKImageInfo(150, 150, SKColorType.Rgba8888, SKAlphaType.Opaque));
    if (!cropped.ScalePixels(chip, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None)))
    {
        throw new InvalidOperationException("resize failed");
    }

    using var data = chip.Encode(SKEncodedImageFormat.Png, 100);
    File.WriteAllBytes(destination, data.ToArray());
    Console.WriteLine($"{destination}: crop {crop} of {Path.GetFileName(source)} -> 150x150");
}
