namespace Obscura.Biometrics.Identification;

/// <summary>
/// Serialised gallery data (a block, a probe, a block's scores) that does not pass validation: malformed, of another
/// gallery key, dimension or parameter set, or outside the scheme's bounds. The message names the rule broken, never the
/// data (no subject id, weight or residue is quoted).
/// </summary>
public sealed class GalleryFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public GalleryFormatException()
    {
    }

    /// <summary>Creates the exception with a message naming the rule broken.</summary>
    public GalleryFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the engine's format exception as its cause.</summary>
    public GalleryFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
