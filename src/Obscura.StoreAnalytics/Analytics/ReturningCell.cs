namespace Obscura.StoreAnalytics.Analytics;

/// <summary>
/// Estimated share of a day's later-band arrivals who had already arrived earlier that day (null when suppressed).
/// <see cref="Arrivals"/> and <see cref="Rematched"/> are the raw counts behind it: published only with the share, and
/// never when visits are noised (the later-band arrivals are the exact sum of noised visit cells).
/// </summary>
public sealed record ReturningCell(string Store, DateOnly Date, double? ReturningShare, int? Arrivals, int? Rematched);
