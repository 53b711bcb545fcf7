using Obscura.Privacy.Accounting;
using Obscura.Privacy.Sampling;
using Obscura.StoreAnalytics.Edge;

namespace Obscura.StoreAnalytics.Analytics;

/// <summary>
/// The processor's estimators. None needs to follow a person: visits are entrance captures (the entrance camera sees
/// each arrival once); occupancy is captures per analysed frame, so dwell is person-minutes (occupancy × slot length)
/// and queue length is a checkout's occupancy; returning share and flows use group IDs only statistically, each
/// corrected for the chance that strangers share an ID (from the day's ID frequencies) and for the calibrated
/// re-match probability R. Cells resting on fewer than k events are suppressed.
/// </summary>
public static class VisitorStatistics
{
    /// <summary>
    /// Computes the report. With ε set, visit counts get discrete Laplace noise of scale 1/ε (one visit changes one
    /// cell by one: ε-DP per visit); <paramref name="charge"/> is asked first and the report is refused (null) when it
    /// declines.
    /// </summary>
    public static async Task<VisitorReport?> BuildAsync(StoreObservations observations, ReportOptions options, Func<PrivacyCost, CancellationToken, Task<bool>>? charge = null, IRandomSource? random = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(observations);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        PrivacyCost? cost = null;
        if (options.VisitsEpsilon is { } epsilon)
        {
            cost = new PrivacyCost.Pure(epsilon);
            if (charge is not null && !await charge(cost, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
        }

        var k = options.MinimumCell;
        var suppressed = 0;
        T? Keep<T>(bool enough, T value)
            where T : struct
        {
            if (!enough)
            {
                suppressed++;
                return null;
            }

            return value;
        }

        var events = observations.Events;
        var entrance = events.Where(e => e.Kind == ZoneKind.Entrance).ToList();

        // Visits per store, date and band.
        random ??= new CryptoRandomSource();
        var visits = new List<VisitCell>();
        foreach (var g in events.GroupBy(e => (e.Store, e.Date, e.Band)).OrderBy(g => g.Key))
        {
            long count = g.Count(e => e.Kind == ZoneKind.Entrance);
            if (options.VisitsEpsilon is { } eps)
            {
                count = Math.Max(0, count + ExactSamplers.DiscreteLaplace(random, VisitorReport.ScaleFor(eps)));
            }

            visits.Add(new VisitCell(g.Key.Store, g.Key.Date, g.Key.Band, Keep(count >= k, count)));
        }

        var noised = options.VisitsEpsilon is not null;
        var withheld = 0;
        T? Publish<T>(bool enough, T value, ZoneKind kind)
            where T : struct
        {
            // With noised visits, an entrance zone's person-minutes are its captures (one per arrival) scaled by the
            // known frame rate: publishing them would give the exact visit counts back. Withheld, not suppressed.
            if (noised && kind == ZoneKind.Entrance)
            {
                withheld++;
                return null;
            }

            return Keep(enough, value);
        }

        var returning = Returning(observations, entrance, k, noised, Keep);
        var dwell = Dwell(observations, visits, k, Publish);
        var queues = Queues(observations, k, Keep);
        var flows = Flows(observations, k, Keep);
        var zoneBands = ZoneBands(observations, k, Publish);
        withheld += returning.Count(r => noised && r.ReturningShare is not null);
        return new VisitorReport(visits, returning, dwell, queues, flows, zoneBands, cost, suppressed, withheld);
    }

    private delegate T? Keeper<T>(bool enough, T value)
        where T : struct;

    private delegate T? ZoneKeeper<T>(bool enough, T value, ZoneKind kind)
        where T : struct;

    private static double ReMatch(StoreObservations o, string store, string id)
    {
        var table = o.ReMatchByLength.GetValueOrDefault(store) ?? [];
        var length = id == "-" ? 0 : id.Length;
        return length < table.Count ? table[length] : 0;
    }

    /// <summary>
    /// For arrivals in a day's later bands: m = 1 when the ID equals an entrance ID of an earlier band that day. A
    /// stranger does that by chance with probability c, estimated from the earlier arrivals themselves (distinct
    /// people: the entrance sees each arrival once) as the share of them whose ID another earlier arrival shares.
    /// E[m] = r·R + (1 − r·R)·c, so r̂ = Σ(m − c) / Σ R(1 − c), clamped to [0, 1].
    /// </summary>
    private static List<ReturningCell> Returning(StoreObservations o, List<StoreEvent> entrance, int k, bool noised, Keeper<double> keep)
    {
        var cells = new List<ReturningCell>();
        foreach (var day in entrance.GroupBy(e => (e.Store, e.Date)).OrderBy(g => g.Key))
        {
            var earlier = new Dictionary<string, int>(StringComparer.Ordinal);
            double numerator = 0, denominator = 0;
            int arrivals = 0, rematched = 0;
            foreach (var band in day.GroupBy(e => e.Band).OrderBy(g => g.Key))
            {
                if (earlier.Count > 0)
                {
                    var total = earlier.Values.Sum();
                    var chance = (double)earlier.Values.Where(n => n > 1).Sum() / total;
                    foreach (var e in band)
                    {
                        var m = earlier.ContainsKey(e.GroupId) ? 1 : 0;
                        rematched += m;
                        arrivals++;
                        numerator += m - chance;
                        denominator += ReMatch(o, day.Key.Store, e.GroupId) * (1 - chance);
                    }
                }

                foreach (var e in band)
                {
                    earlier[e.GroupId] = earlier.GetValueOrDefault(e.GroupId) + 1;
                }
            }

            var share = denominator > 0 ? Math.Clamp(numerator / denominator, 0, 1) : 0;
            var published = keep(arrivals >= k, share);
            var counts = published is not null && !noised;
            cells.Add(new ReturningCell(day.Key.Store, day.Key.Date, published, counts ? arrivals : null, counts ? rematched : null));
        }

        return cells;
    }

    /// <summary>Person-minutes per zone = Σ over slots of (captures / frames analysed) × slot minutes; minutes per visit = person-minutes / visits.</summary>
    private static List<DwellCell> Dwell(StoreObservations o, List<VisitCell> visits, int k, ZoneKeeper<double> keep)
    {
        var slot = SlotMinutes(o);
        var captures = o.Events.GroupBy(e => (e.Store, e.Date, e.Minute, e.Zone)).ToDictionary(g => g.Key, g => g.Count());
        var cells = new List<DwellCell>();
        foreach (var zone in o.Tallies.GroupBy(t => (t.Store, t.Zone, t.Kind)).OrderBy(g => g.Key.Store, StringComparer.Ordinal).ThenBy(g => g.Key.Zone, StringComparer.Ordinal))
        {
            var (personMinutes, count) = PersonMinutes(zone, captures, slot);

            var storeVisits = visits.Where(v => v.Store == zone.Key.Store).Sum(v => v.Visits ?? 0);
            cells.Add(new DwellCell(zone.Key.Store, zone.Key.Zone, zone.Key.Kind, keep(count >= k, personMinutes, zone.Key.Kind), keep(count >= k && storeVisits > 0, storeVisits > 0 ? personMinutes / storeVisits : 0, zone.Key.Kind)));
        }

        return cells;
    }

    /// <summary>Person-minutes per zone and band (over all days), as <see cref="Dwell"/> computes them per zone; suppressed below k captures.</summary>
    private static List<ZoneBandCell> ZoneBands(StoreObservations o, int k, ZoneKeeper<double> keep)
    {
        var slot = SlotMinutes(o);
        var captures = o.Events.GroupBy(e => (e.Store, e.Date, e.Minute, e.Zone)).ToDictionary(g => g.Key, g => g.Count());
        var cells = new List<ZoneBandCell>();
        foreach (var cell in o.Tallies.GroupBy(t => (t.Store, t.Band, t.Zone, t.Kind)).OrderBy(g => g.Key.Store, StringComparer.Ordinal).ThenBy(g => g.Key.Band).ThenBy(g => g.Key.Zone, StringComparer.Ordinal))
        {
            var (personMinutes, count) = PersonMinutes(cell, captures, slot);

            cells.Add(new ZoneBandCell(cell.Key.Store, cell.Key.Band, cell.Key.Zone, cell.Key.Kind, keep(count >= k, personMinutes, cell.Key.Kind)));
        }

        return cells;
    }

    /// <summary>Σ over the tallies' slots of (captures / frames analysed) × slot minutes, and the captures counted (one zone's tallies).</summary>
    private static (double PersonMinutes, int Captures) PersonMinutes(IEnumerable<ZoneTally> tallies, Dictionary<(string Store, DateOnly Date, int Minute, string Zone), int> captures, int slot)
    {
        double personMinutes = 0;
        var count = 0;
        foreach (var t in tallies.GroupBy(t => (t.Store, t.Date, t.Minute, t.Zone)))
        {
            var n = captures.GetValueOrDefault(t.Key);
            count += n;
            personMinutes += (double)n / t.Sum(x => x.Frames) * slot;
        }

        return (personMinutes, count);
    }

    private static List<QueueCell> Queues(StoreObservations o, int k, Keeper<double> keep)
    {
        var captures = o.Events.Where(e => e.Kind == ZoneKind.Checkout).GroupBy(e => (e.Store, e.Date, e.Zone, e.Minute)).ToDictionary(g => g.Key, g => g.Count());
        return [.. o.Tallies.Where(t => t.Kind == ZoneKind.Checkout)
            .GroupBy(t => (t.Store, t.Date, t.Zone, t.Minute))
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                var n = captures.GetValueOrDefault(g.Key);
                return new QueueCell(g.Key.Store, g.Key.Date, g.Key.Zone, g.Key.Minute, keep(n >= k, (double)n / g.Sum(t => t.Frames)));
            })];
    }

    /// <summary>
    /// Moves A → B: pairs of captures with the same ID, one in A in a slot and one in B (≠ A) in the next slot of the
    /// same band, minus the pairs expected by chance, divided by the mean re-match probability: an estimate of
    /// same-person capture pairs. The chance rate is measured on pairs of the band at least <see cref="NullGapMinutes"/>
    /// apart, which are (almost) all strangers: n_A · n_B · π₀. Shares are per origin zone.
    /// </summary>
    private static List<FlowCell> Flows(StoreObservations o, int k, Keeper<double> keep)
    {
        var slot = SlotMinutes(o);
        var moves = new Dictionary<(string Store, string From, string To), (double Estimate, int Observed)>();
        foreach (var band in o.Events.GroupBy(e => (e.Store, e.Date, e.Band)))
        {
            var collision = StrangerCollision(band.ToList());
            var r = band.Average(e => ReMatch(o, band.Key.Store, e.GroupId));
            var bySlot = band.GroupBy(e => (e.Minute, e.Zone)).ToDictionary(g => g.Key, g => g.ToList());
            foreach (var ((minute, from), here) in bySlot)
            {
                foreach (var ((next, to), there) in bySlot)
                {
                    if (next != minute + slot || to == from)
                    {
                        continue;
                    }

                    var counts = there.GroupBy(e => e.GroupId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
                    var observed = here.Sum(e => counts.GetValueOrDefault(e.GroupId));
                    var expected = (double)here.Count * there.Count * collision;
                    var key = (band.Key.Store, from, to);
                    var previous = moves.GetValueOrDefault(key);
                    moves[key] = (previous.Estimate + ((observed - expected) / Math.Max(r, 1e-9)), previous.Observed + observed);
                }
            }
        }

        var cells = new List<FlowCell>();
        foreach (var row in moves.GroupBy(m => (m.Key.Store, m.Key.From)).OrderBy(g => g.Key))
        {
            var total = row.Sum(m => Math.Max(0, m.Value.Estimate));
            foreach (var m in row.OrderBy(m => m.Key.To, StringComparer.Ordinal))
            {
                var estimate = Math.Max(0, m.Value.Estimate);
                var enough = m.Value.Observed >= k;
                cells.Add(new FlowCell(m.Key.Store, m.Key.From, m.Key.To, keep(enough, estimate), keep(enough && total > 0, total > 0 ? estimate / total : 0)));
            }
        }

        return cells;
    }

    /// <summary>Pairs this far apart (minutes) serve as the stranger null for flows: a visit is shorter.</summary>
    public const int NullGapMinutes = 60;

    /// <summary>π₀: the share of event pairs at least <see cref="NullGapMinutes"/> apart that carry the same ID.</summary>
    private static double StrangerCollision(List<StoreEvent> band)
    {
        var minutes = band.Select(e => e.Minute).Order().ToArray();
        long pairs = 0;
        var j = 0;
        for (var i = 0; i < minutes.Length; i++)
        {
            while (j < minutes.Length && minutes[j] < minutes[i] + NullGapMinutes)
            {
                j++;
            }

            pairs += minutes.Length - j;
        }

        long same = 0;
        foreach (var id in band.GroupBy(e => e.GroupId, StringComparer.Ordinal))
        {
            var m = id.Select(e => e.Minute).Order().ToArray();
            var q = 0;
            for (var i = 0; i < m.Length; i++)
            {
                while (q < m.Length && m[q] < m[i] + NullGapMinutes)
                {
                    q++;
                }

                same += m.Length - q;
            }
        }

        return pairs == 0 ? 0 : (double)same / pairs;
    }

    private static int SlotMinutes(StoreObservations o)
    {
        var minutes = o.Tallies.Select(t => t.Minute).Distinct().Order().ToList();
        var gaps = minutes.Zip(minutes.Skip(1), (a, b) => b - a).Where(g => g > 0).ToList();
        return gaps.Count == 0 ? 5 : gaps.Min();
    }
}
