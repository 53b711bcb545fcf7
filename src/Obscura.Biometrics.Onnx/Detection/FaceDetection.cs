using SkiaSharp;

namespace Obscura.Biometrics.Onnx.Detection;

/// <summary>
/// One face found by <see cref="BlazeFaceDetector"/>, in the pixel coordinates of the image that was searched
/// (x to the right, y downwards). The box and keypoints may reach slightly outside the image for faces at its edge.
/// </summary>
/// <param name="Score">Detection confidence in [0, 1] (the sigmoid of the network's logit; after blending, the best
/// score of the merged candidates).</param>
/// <param name="Box">The face's bounding box in image pixels.</param>
/// <param name="Keypoints">
/// Six landmarks in image pixels, in MediaPipe's order, named from the subject's point of view (on an upright,
/// unmirrored photo the subject's right eye appears on the image's left):
/// 0 right eye, 1 left eye, 2 nose tip, 3 mouth centre, 4 right ear tragion, 5 left ear tragion.
/// </param>
public sealed record FaceDetection(float Score, SKRect Box, IReadOnlyList<SKPoint> Keypoints)
{
    /// <summary>Index of the subject's right eye in <see cref="Keypoints"/>.</summary>
    public const int RightEye = 0;

    /// <summary>Index of the subject's left eye in <see cref="Keypoints"/>.</summary>
    public const int LeftEye = 1;

    /// <summary>Index of the nose tip in <see cref="Keypoints"/>.</summary>
    public const int NoseTip = 2;

    /// <summary>Index of the mouth centre in <see cref="Keypoints"/>.</summary>
    public const int MouthCentre = 3;

    /// <summary>Index of the subject's right ear tragion in <see cref="Keypoints"/>.</summary>
    public const int RightEar = 4;

    /// <summary>Index of the subject's left ear tragion in <see cref="Keypoints"/>.</summary>
    public const int LeftEar = 5;

    /// <summary>
    /// Distance in image pixels between the two eyes (keypoints 0 and 1): a resolution measure for quality gates
    /// (for example "at least 60 px between the eyes"). <see cref="float.NaN"/> when fewer than two keypoints are
    /// present.
    /// </summary>
    public float EyeDistance => Keypoints.Count < 2
        ? float.NaN
        : SKPoint.Distance(Keypoints[RightEye], Keypoints[LeftEye]);

    /// <summary>Score and box only: landmark positions describe the face's geometry and stay out of logs.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"Score = {Score:0.###}, Box = {Box}");
        return true;
    }
}
