namespace Obscura.Biometrics.Onnx.Tests;

/// <summary>
/// The one place the tests read third-party model files from. Today that is a scratch folder outside the repository
/// (the unpacked npm package @vladmandic/face-api 1.7.15); tests that need the files are skipped when it is absent.
/// </summary>
internal static class ScratchModels
{
    private const string FaceApiModelFolder = "/work/scratch/npm/vladmandic-face-api-1.7.15/package/model";

    /// <summary>Whether the face-api model files are present on this machine.</summary>
    public static bool FaceApiAvailable =>
        File.Exists(Path.Combine(FaceApiModelFolder, "face_recognition_model-weights_manifest.json"))
        && File.Exists(Path.Combine(FaceApiModelFolder, "face_recognition_model.bin"));

    /// <summary>face-api's face_recognition_model-weights_manifest.json.</summary>
    public static byte[] FaceApiManifest() => File.ReadAllBytes(Path.Combine(FaceApiModelFolder, "face_recognition_model-weights_manifest.json"));

    /// <summary>face-api's face_recognition_model.bin.</summary>
    public static byte[] FaceApiWeights() => File.ReadAllBytes(Path.Combine(FaceApiModelFolder, "face_recognition_model.bin"));

    /// <summary>Skips the calling test, with a reason, when the model files are absent.</summary>
    public static void SkipUnlessFaceApiAvailable() =>
        Assert.SkipUnless(FaceApiAvailable, $"The face-api model files are not in {FaceApiModelFolder} (see ScratchModels.cs).");
}
