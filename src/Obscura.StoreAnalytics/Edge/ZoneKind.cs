namespace Obscura.StoreAnalytics.Edge;

/// <summary>What a camera's zone is, by its place in the store (the seed's entrance / checkout / department).</summary>
public enum ZoneKind
{
    /// <summary>The entrance: each arrival is counted here.</summary>
    Entrance,

    /// <summary>A checkout: its occupancy is the queue.</summary>
    Checkout,

    /// <summary>A department or display area.</summary>
    Department,
}
