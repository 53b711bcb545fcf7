namespace Obscura.StoreAnalytics.Edge;

/// <summary>The three time bands of the day a group ID is tied to; nothing finer than the coarse time leaves the edge.</summary>
public enum TimeBand
{
    /// <summary>From opening to the start of lunch.</summary>
    Morning,

    /// <summary>Lunch.</summary>
    Lunch,

    /// <summary>From the end of lunch to closing.</summary>
    Afternoon,
}
