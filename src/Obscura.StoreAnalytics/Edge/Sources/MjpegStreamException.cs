namespace Obscura.StoreAnalytics.Edge.Sources;

/// <summary>An MJPEG camera stream broke its format (boundary, part size, headers) or could not be read; the message never quotes stream bytes.</summary>
public sealed class MjpegStreamException : IOException
{
    /// <summary>An error with a message.</summary>
    public MjpegStreamException(string message)
        : base(message)
    {
    }

    /// <summary>An error with a message and its cause.</summary>
    public MjpegStreamException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
