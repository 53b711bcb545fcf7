using Obscura.Privacy;
using Obscura.Privacy.Accounting;

namespace Obscura.StoreAnalytics.Analytics;

/// <summary>
/// The processor's published statistics. Every cell resting on fewer than k events is suppressed (its value null).
/// With ε set, visits carry discrete Laplace noise and <see cref="Cost"/> is what was charged; the cells that would
/// give the noised counts back exactly (entrance-zone person-minutes, the returning cells' raw counts) are then
/// withheld (null), counted in <see cref="Withheld"/>, not in <see cref="Suppressed"/>.
/// </summary>
public sealed record VisitorReport(
    IReadOnlyList<VisitCell> Visits,
    IReadOnlyList<ReturningCell> Returning,
    IReadOnlyList<DwellCell> Dwell,
    IReadOnlyList<QueueCell> Queues,
    IReadOnlyList<FlowCell> Flows,
    IReadOnlyList<ZoneBandCell> ZoneBands,
    PrivacyCost? Cost,
    int Suppressed,
    int Withheld = 0)
{
    /// <summary>Per store: visits, returning share and minutes per visit over the whole period, side by side (suppressed cells left out of sums).</summary>
    public IReadOnlyList<(string Store, long Visits, double? ReturningShare, double MinutesPerVisit)> Comparison =>
        [.. Visits.GroupBy(v => v.Store, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (
            g.Key,
            g.Sum(v => v.Visits ?? 0),
            Returning.Where(r => r.Store == g.Key && r.ReturningShare is not null).Select(r => r.ReturningShare!.Value).DefaultIfEmpty(double.NaN).Average() is var s && double.IsFinite(s) ? s : (double?)null,
            Dwell.Where(d => d.Store == g.Key).Sum(d => d.MinutesPerVisit ?? 0)))];

    /// <summary>The discrete Laplace scale 1/ε for a count of sensitivity 1.</summary>
    internal static Rational ScaleFor(Rational epsilon) => Rational.Of(epsilon.Denominator, epsilon.Numerator);
}
