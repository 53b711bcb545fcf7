using Obscura.StoreAnalytics.Edge;

namespace Obscura.StoreAnalytics.Simulation;

/// <summary>
/// What really happened in a simulation, in the estimators' own terms: arrivals per (date, band), the returning share
/// of later-band arrivals per date, person-minutes per zone (people present × frame minutes), mean people at the
/// checkout per (date, slot), and same-person capture pairs from zone A in one slot to zone B in the next.
/// </summary>
public sealed record GroundTruth(
    IReadOnlyDictionary<(DateOnly Date, TimeBand Band), int> Visits,
    IReadOnlyDictionary<DateOnly, double> ReturningShare,
    IReadOnlyDictionary<string, double> PersonMinutes,
    IReadOnlyDictionary<(DateOnly Date, int Minute), double> Queue,
    IReadOnlyDictionary<(string From, string To), double> Moves);
