using Obscura.Biometrics.Onnx.Detection;
using Obscura.Biometrics.Templates;

namespace Obscura.Biometrics.Onnx.Capture;

/// <summary>One photo's outcome: a normalised template, or a refusal with its reason.</summary>
public sealed record FaceCaptureResult
{
    /// <summary>The L2-normalised embedding, when a face was captured.</summary>
    public FaceTemplate? Template { get; init; }

    /// <summary>Why no template was made, when none was.</summary>
    public CaptureRefusal? Refusal { get; init; }

    /// <summary>A sentence for the user, when refused.</summary>
    public string? Message { get; init; }

    /// <summary>The face used, or the best one found when refused for score or size.</summary>
    public FaceDetection? Face { get; init; }

    /// <summary>Faces at or above the minimum score.</summary>
    public int FacesFound { get; init; }

    /// <summary>Stage times and residence times.</summary>
    public required CaptureTimings Timings { get; init; }

    /// <summary>Whether a template was made.</summary>
    public bool Succeeded => Template is not null;
}
