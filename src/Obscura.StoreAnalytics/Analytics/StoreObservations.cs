using Obscura.StoreAnalytics.Edge;

namespace Obscura.StoreAnalytics.Analytics;

/// <summary>What the processor holds: events, frame tallies, and per store the re-match probability of each ID length.</summary>
public sealed record StoreObservations(IReadOnlyList<StoreEvent> Events, IReadOnlyList<ZoneTally> Tallies, IReadOnlyDictionary<string, IReadOnlyList<double>> ReMatchByLength);
