using Obscura.Biometrics.Onnx.Detection;
using SkiaSharp;

namespace Obscura.Biometrics.Onnx.Alignment;

/// <summary>Cuts an upright, scaled face chip out of an image so that its landmarks sit on a template's.</summary>
public static class FaceAligner
{
    /// <summary>
    /// Fits the least-squares <see cref="SimilarityTransform"/> from the face's first k keypoints to the template's
    /// k points (k = the template's point count, at most the face's keypoint count) and warps the image with it,
    /// bilinear sampling, black where the chip falls outside the image.
    /// </summary>
    /// <returns>A new Rgba8888 bitmap of the template's size; the caller disposes it.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The template's size is not positive, it has fewer than two points or
    /// more than the face has keypoints, or the keypoints are degenerate (coincide or are not finite).</exception>
    public static SKBitmap Align(SKBitmap image, FaceDetection face, AlignmentTemplate template)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(face);
        ArgumentNullException.ThrowIfNull(template);
        if (template.Width is <= 0 or > 4096 || template.Height is <= 0 or > 4096)
        {
            throw new ArgumentException("The template's width and height are 1 to 4096 pixels.", nameof(template));
        }

        var count = template.Points.Count;
        if (count < 2 || count > face.Keypoints.Count)
        {
            throw new ArgumentException($"The template has {count} points; 2 to {face.Keypoints.Count} (the face's keypoints) are needed.", nameof(template));
        }

        var from = new SKPoint[count];
        var to = new SKPoint[count];
        for (var i = 0; i < count; i++)
        {
            from[i] = face.Keypoints[i];
            to[i] = template.Points[i];
        }

        var transform = SimilarityTransform.Estimate(from, to);
        var chip = new SKBitmap(new SKImageInfo(template.Width, template.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        try
        {
            using var canvas = new SKCanvas(chip);
            using var pixmap = image.PeekPixels() ?? throw new ArgumentException("The image's pixels cannot be read.", nameof(image));
            using var source = SKImage.FromPixels(pixmap);
            canvas.Clear(SKColors.Black);
            canvas.SetMatrix(transform.ToSKMatrix());
            canvas.DrawImage(source, 0, 0, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None));
            return chip;
        }
        catch
        {
            chip.Dispose();
            throw;
        }
    }
}
