namespace Obscura.StoreAnalytics.Edge;

/// <summary>Where the edge host's frames come from: a folder of files, an MJPEG camera stream.</summary>
public interface IFrameSource
{
    /// <summary>
    /// The frames, in the order they are to be analysed. The consumer zeroes each frame's bytes after use; the source
    /// keeps no copy. Ends when the source is exhausted (a folder) or <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    IAsyncEnumerable<EncodedFrame> ReadAsync(CancellationToken cancellationToken);
}
