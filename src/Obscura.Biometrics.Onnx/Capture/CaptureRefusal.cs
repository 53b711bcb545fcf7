namespace Obscura.Biometrics.Onnx.Capture;

/// <summary>Why a photo gave no template.</summary>
public enum CaptureRefusal
{
    /// <summary>The bytes are not a decodable PNG, JPEG, WebP, GIF or BMP image.</summary>
    Unreadable,

    /// <summary>The file or its pixel count is above <see cref="FaceCaptureOptions.MaxImageBytes"/> or <see cref="FaceCaptureOptions.MaxPixels"/>.</summary>
    TooLarge,

    /// <summary>No face was detected.</summary>
    NoFace,

    /// <summary>More than one face, and the caller did not ask for the largest (<see cref="FaceCaptureOptions.TakeLargestFace"/>).</summary>
    SeveralFaces,

    /// <summary>The face's eye distance is below <see cref="FaceCaptureOptions.MinEyeDistance"/> pixels.</summary>
    FaceTooSmall,

    /// <summary>Something was detected, but below <see cref="FaceCaptureOptions.MinFaceScore"/>.</summary>
    LowScore,
}
