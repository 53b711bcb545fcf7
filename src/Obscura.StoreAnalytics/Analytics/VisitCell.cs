using Obscura.StoreAnalytics.Edge;

namespace Obscura.StoreAnalytics.Analytics;

/// <summary>Visits of one store in one band of one day (null when suppressed).</summary>
public sealed record VisitCell(string Store, DateOnly Date, TimeBand Band, long? Visits);
