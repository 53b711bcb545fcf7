using Obscura.Biometrics.Onnx.Models;
using Obscura.TestSupport;

namespace Obscura.Biometrics.Onnx.Tests;

/// <summary>
/// face-api's dlib recogniser source files (npm @vladmandic/face-api 1.7.15), obtained from the pinned package with
/// every SHA-256 checked, as <c>obscura models fetch</c> does.
/// </summary>
internal static class FaceApiSources
{
    /// <summary>face_recognition_model-weights_manifest.json.</summary>
    public static byte[] Manifest() => RealFaceModels.SourcesAsync(FaceModelCatalog.DlibResNet128).GetAwaiter().GetResult()[0];

    /// <summary>face_recognition_model.bin.</summary>
    public static byte[] Weights() => RealFaceModels.SourcesAsync(FaceModelCatalog.DlibResNet128).GetAwaiter().GetResult()[1];
}
