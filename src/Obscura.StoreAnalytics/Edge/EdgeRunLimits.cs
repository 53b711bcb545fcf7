namespace Obscura.StoreAnalytics.Edge;

/// <summary>When an edge run stops before its source ends: after <see cref="MaxFrames"/> frames read, or at the first frame read at or after <see cref="Until"/> (by the host's clock, or the frame's own time under <see cref="EdgeClock.Frames"/>).</summary>
public sealed record EdgeRunLimits(int? MaxFrames = null, DateTimeOffset? Until = null)
{
    /// <summary>No limit: run until the source ends or the run is cancelled.</summary>
    public static EdgeRunLimits None { get; } = new();
}
