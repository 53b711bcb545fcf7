namespace Obscura.StoreAnalytics.Edge;

/// <summary>Which clock decides the day and the band at the edge host.</summary>
public enum EdgeClock
{
    /// <summary>
    /// The host's own clock (a live store): the key ratchet moves on at local midnight and at start-up, bands close when
    /// they end, and a frame stamped more than <see cref="EdgeHost.FutureTolerance"/> ahead of the clock is refused (a
    /// camera whose clock runs ahead cannot erase today's key).
    /// </summary>
    System,

    /// <summary>
    /// The frames' own timestamps (replaying a recording of past days): the ratchet moves on with the frames' days and
    /// every band is closed at the end of the run. Not for a live store: the key of a day stays until its frames end.
    /// </summary>
    Frames,
}
