using System.CommandLine;
using Obscura.Biometrics.Onnx.Capture;
using Obscura.Biometrics.Onnx.Models;

namespace Obscura.Cli;

/// <summary>The capture pipeline behind <c>--image</c>: photo → detected, aligned, embedded, normalised face, in this process.</summary>
internal static class PhotoCapture
{
    public static Option<DirectoryInfo?> ModelsOption() =>
        new("--models") { Description = $"Folder of face models (default ${FaceModelStore.DirectoryVariable}, else ~/.cache/obscura/models); fill it with 'obscura models fetch'." };

    public static Option<bool> LargestFaceOption() =>
        new("--largest-face") { Description = "With several faces in the photo, use the largest instead of refusing." };

    /// <summary>The exit code for a refusal.</summary>
    public static int ExitCodeOf(CaptureRefusal refusal) => refusal switch
    {
        CaptureRefusal.Unreadable => ExitCodes.ImageUnreadable,
        CaptureRefusal.TooLarge => ExitCodes.ImageTooLarge,
        CaptureRefusal.NoFace => ExitCodes.NoFace,
        CaptureRefusal.SeveralFaces => ExitCodes.SeveralFaces,
        CaptureRefusal.FaceTooSmall => ExitCodes.FaceTooSmall,
        CaptureRefusal.LowScore => ExitCodes.LowFaceScore,
        _ => throw new ArgumentOutOfRangeException(nameof(refusal)),
    };

    /// <summary>Opens the default pipeline from the model folder.</summary>
    /// <exception cref="CliFailure">A model is missing or does not match its pin (exit <see cref="ExitCodes.ModelsUnavailable"/>).</exception>
    public static FaceCapture Open(DirectoryInfo? models, FaceCaptureOptions? options = null)
    {
        try
        {
            return FaceCapture.Open(new FaceModelStore(models?.FullName ?? FaceModelStore.DefaultDirectory), options);
        }
        catch (FaceModelUnavailableException ex)
        {
            throw new CliFailure(ExitCodes.ModelsUnavailable, ex.Message);
        }
    }

    /// <summary>The normalised embedding of the one face in <paramref name="image"/>.</summary>
    /// <exception cref="CliFailure">The photo was refused (exit 10–15) or the models are unavailable (16).</exception>
    public static float[] Embed(FileInfo image, DirectoryInfo? models, bool largestFace)
    {
        using var capture = Open(models, new FaceCaptureOptions { TakeLargestFace = largestFace });
        var result = capture.CaptureFile(image.FullName);
        if (result.Template is null)
        {
            throw new CliFailure(ExitCodeOf(result.Refusal!.Value), $"{image.Name}: {result.Message}");
        }

        return result.Template.Values.ToArray();
    }
}
