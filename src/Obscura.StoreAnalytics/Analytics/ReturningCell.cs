namespace Obscura.StoreAnalytics.Analytics;

/// <summary>Estimated share of a day's later-band arrivals who had already arrived earlier that day (null when suppressed).</summary>
public sealed record ReturningCell(string Store, DateOnly Date, double? ReturningShare, int Arrivals, int Rematched);
