namespace Obscura.StoreAnalytics.Analytics;

/// <summary>Estimated movement from one zone to another in the next slot, and its share of the row (null when suppressed).</summary>
public sealed record FlowCell(string Store, string From, string To, double? Moves, double? Share);
