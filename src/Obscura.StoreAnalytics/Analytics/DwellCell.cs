using Obscura.StoreAnalytics.Edge;

namespace Obscura.StoreAnalytics.Analytics;

/// <summary>Person-minutes spent in a zone over the observed days and the mean minutes per visit (null when suppressed).</summary>
public sealed record DwellCell(string Store, string Zone, ZoneKind Kind, double? PersonMinutes, double? MinutesPerVisit);
