namespace Obscura.Biometrics.Onnx.Detection;

/// <summary>
/// Which MediaPipe BlazeFace network a <see cref="BlazeFaceDetector"/> runs. Both take a square RGB image and score
/// 896 anchors; they differ in input size and in the face sizes they were trained on.
/// </summary>
public enum BlazeFaceModel
{
    /// <summary>
    /// The short-range ("front camera") model: 128×128 input, anchors on 16×16 cells (stride 8, 2 per cell) and
    /// 8×8 cells (stride 16, 6 per cell). Trained on faces that fill a good part of the frame (selfies, ID photos,
    /// within about 2 m of the camera).
    /// </summary>
    Front128,

    /// <summary>
    /// The ("back camera") model: 256×256 input, anchors on 16×16 cells (stride 16, 2 per cell) and 8×8 cells
    /// (stride 32, 6 per cell). Sees more detail per face, so it finds somewhat smaller faces, at about four times
    /// the cost.
    /// </summary>
    Back256,
}
