namespace Obscura.StoreAnalytics.Analytics;

/// <summary>Mean number of people visible at a checkout in one coarse-time slot (null when suppressed).</summary>
public sealed record QueueCell(string Store, DateOnly Date, string Zone, int Minute, double? QueueLength);
