using SkiaSharp;

namespace Obscura.Biometrics.Onnx.Alignment;

/// <summary>
/// Where an aligned face's landmarks should land in the output chip, in the order of
/// <see cref="Detection.FaceDetection.Keypoints"/>: subject's right eye, left eye, nose tip, mouth centre.
/// </summary>
/// <param name="Width">Chip width in pixels.</param>
/// <param name="Height">Chip height in pixels.</param>
/// <param name="Points">Target landmark positions in chip pixels (at least two).</param>
public sealed record AlignmentTemplate(int Width, int Height, IReadOnlyList<SKPoint> Points)
{
    /// <summary>
    /// dlib's 150×150 face chip as <c>get_face_chip_details(shape, 150, 0.25)</c> produces it for its ResNet face
    /// recognition model (dlib_face_recognition_resnet_model_v1). The points come from dlib's mean face shape
    /// (landmarks 17–67 of the 68-point iBUG scheme, normalised to [0, 1]): the eyes are the means of landmarks
    /// 36–41 and 42–47, the nose tip is landmark 33 and the mouth centre the midpoint of landmarks 62 and 66 (the centres of the inner
    /// lips); each
    /// coordinate c becomes (c + 0.25) / 1.5 × 150, i.e. padding 0.25 on each side.
    /// Right eye (47.549, 46.599), left eye (100.476, 46.599), nose tip (74.013, 76.563),
    /// mouth centre (74.013, 105.857).
    /// </summary>
    /// <remarks>dlib's own function fits all 68 landmarks; fitting these four BlazeFace keypoints gives a chip that
    /// is close to, not identical with, dlib's, so an embedding model trained on dlib chips sees a slightly
    /// different crop.</remarks>
    public static AlignmentTemplate DlibChip150 { get; } = new(150, 150,
    [
        new SKPoint(47.549f, 46.599f),
        new SKPoint(100.476f, 46.599f),
        new SKPoint(74.013f, 76.563f),
        new SKPoint(74.013f, 105.857f),
    ]);
}
