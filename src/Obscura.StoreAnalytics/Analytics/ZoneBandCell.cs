using Obscura.StoreAnalytics.Edge;

namespace Obscura.StoreAnalytics.Analytics;

/// <summary>Person-minutes spent in a zone during one time band, summed over the observed days (null when suppressed).</summary>
public sealed record ZoneBandCell(string Store, TimeBand Band, string Zone, ZoneKind Kind, double? PersonMinutes);
