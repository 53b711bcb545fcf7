namespace Obscura.Biometrics.Onnx.Models;

/// <summary>A model is not in the model folder, or is there but does not match its pinned SHA-256 (fetch it again).</summary>
public sealed class FaceModelUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FaceModelUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public FaceModelUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public FaceModelUnavailableException()
        : base("A face model is not available.")
    {
    }
}
