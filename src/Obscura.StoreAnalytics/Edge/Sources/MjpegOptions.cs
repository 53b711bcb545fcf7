namespace Obscura.StoreAnalytics.Edge.Sources;

/// <summary>
/// Limits of an MJPEG source: the largest part (frame) accepted, how long a read may stall before the connection
/// counts as dropped, the pause before reconnecting, and how many failed connections in a row (drops, format errors)
/// end the source with an error; a part received resets the count.
/// </summary>
public sealed record MjpegOptions
{
    /// <summary>The largest part accepted, in bytes (default 8 MiB).</summary>
    public int MaxPartBytes { get; init; } = 8 << 20;

    /// <summary>A read that receives nothing for this long drops the connection (default 15 s).</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The pause before reconnecting after a drop (default 2 s).</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Failed connections in a row after which the source gives up (default 30).</summary>
    public int MaxFailuresInARow { get; init; } = 30;
}
