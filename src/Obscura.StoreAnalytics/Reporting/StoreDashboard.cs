using System.Globalization;
using System.Text;
using Obscura.Plots;
using Obscura.StoreAnalytics.Analytics;
using Obscura.StoreAnalytics.Edge;

namespace Obscura.StoreAnalytics.Reporting;

/// <summary>
/// The store manager's dashboard, drawn from a <see cref="VisitorReport"/> only — the cells the processor publishes,
/// k-suppressed and optionally noised, never anything finer: visits per band (every store and day side by side),
/// person-minutes per zone × band, queue length over the day at each checkout, the zone-to-zone flow matrix, dwell per
/// zone, and a comparison across stores when there are several. A suppressed cell is drawn and written as suppressed,
/// never as zero.
/// </summary>
public static class StoreDashboard
{
    /// <summary>The text of a suppressed cell in every table.</summary>
    public const string Suppressed = "suppressed";

    private static readonly TimeBand[] Bands = Enum.GetValues<TimeBand>();

    /// <summary>Builds the sections, in reading order.</summary>
    /// <param name="report">The published report.</param>
    /// <exception cref="ArgumentNullException">No report.</exception>
    public static IReadOnlyList<DashboardSection> Build(VisitorReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sections = new List<DashboardSection>();
        var stores = report.Visits.Select(v => v.Store).Concat(report.ZoneBands.Select(z => z.Store)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (report.Visits.Count > 0)
        {
            sections.Add(VisitsSection(report));
        }

        foreach (var store in stores)
        {
            if (report.ZoneBands.Any(z => z.Store == store))
            {
                sections.Add(ZoneSection(report, store));
            }

            foreach (var day in report.Queues.Where(q => q.Store == store).GroupBy(q => (q.Date, q.Zone)).OrderBy(g => g.Key.Date).ThenBy(g => g.Key.Zone, StringComparer.Ordinal))
            {
                sections.Add(QueueSection(store, day.Key.Date, day.Key.Zone, [.. day.OrderBy(q => q.Minute)]));
            }

            if (report.Flows.Any(f => f.Store == store))
            {
                sections.Add(FlowSection(report, store));
            }

            if (report.Dwell.Any(d => d.Store == store))
            {
                var dwell = report.Dwell.Where(d => d.Store == store).ToList();
                sections.Add(new DashboardSection(
                    Id($"dwell-{store}"),
                    $"Dwell per zone — {store}",
                    "",
                    null,
                    new DashboardTable($"Person-minutes and minutes per visit per zone, store {store}, over the period", ["Zone", "Kind", "Person-minutes", "Minutes per visit"], [.. dwell.Select(d => (IReadOnlyList<string>)[d.Zone, Kind(d.Kind), Format(d.PersonMinutes), Format(d.MinutesPerVisit)])])));
            }
        }

        if (stores.Count > 1)
        {
            sections.Add(new DashboardSection(
                "comparison",
                "Comparison across stores",
                "",
                null,
                new DashboardTable("Per store over the period: published visits summed (suppressed cells left out), mean returning share, minutes per visit summed over zones", ["Store", "Visits", "Returning share", "Minutes per visit"], [.. report.Comparison.Select(c => (IReadOnlyList<string>)[c.Store, c.Visits.ToString(CultureInfo.InvariantCulture), Format(c.ReturningShare), Format(c.MinutesPerVisit)])])));
        }

        // Ids come from store and zone names: two names that differ only in punctuation would share one.
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < sections.Count; i++)
        {
            var n = seen[sections[i].Id] = seen.GetValueOrDefault(sections[i].Id) + 1;
            if (n > 1)
            {
                sections[i] = sections[i] with { Id = string.Create(CultureInfo.InvariantCulture, $"{sections[i].Id}-{n}") };
            }
        }

        return sections;
    }

    /// <summary>A published value as the dashboard writes it: <see cref="Suppressed"/> for null, else up to two decimals (invariant culture).</summary>
    public static string Format(double? value) => value is { } v ? v.ToString("0.##", CultureInfo.InvariantCulture) : Suppressed;

    /// <summary>A band's display name.</summary>
    public static string BandName(TimeBand band) => band.ToString().ToLowerInvariant();

    private static string Kind(ZoneKind kind) => kind.ToString().ToLowerInvariant();

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DashboardSection VisitsSection(VisitorReport report)
    {
        var rows = report.Visits.Select(v => (v.Store, v.Date)).Distinct().OrderBy(r => r.Store, StringComparer.Ordinal).ThenBy(r => r.Date).ToList();
        var values = new double?[rows.Count, Bands.Length];
        for (var r = 0; r < rows.Count; r++)
        {
            for (var b = 0; b < Bands.Length; b++)
            {
                var cell = report.Visits.SingleOrDefault(v => v.Store == rows[r].Store && v.Date == rows[r].Date && v.Band == Bands[b]);
                values[r, b] = cell is null ? double.NaN : cell.Visits;
            }
        }

        var labels = rows.Select(r => $"{r.Store} {Date(r.Date)}").ToList();
        var png = HeatMapPlot.Render("Visits per time band", "Time band", "Store and day", [.. Bands.Select(BandName)], labels, values, "0", height: Height(rows.Count));
        return new DashboardSection(
            "visits",
            "Visits per time band",
            $"Heat map of visits (entrance arrivals) per time band for {Count(rows.Count, "store-day")} ({string.Join(", ", labels)}); {SuppressedText(values)} The table below gives the same numbers.",
            png,
            new DashboardTable("Visits per store, day and time band", ["Store", "Date", "Band", "Visits"], [.. report.Visits.OrderBy(v => v.Store, StringComparer.Ordinal).ThenBy(v => v.Date).ThenBy(v => v.Band).Select(v => (IReadOnlyList<string>)[v.Store, Date(v.Date), BandName(v.Band), Format(v.Visits)])]));
    }

    private static DashboardSection ZoneSection(VisitorReport report, string store)
    {
        var cells = report.ZoneBands.Where(z => z.Store == store).ToList();
        var zones = cells.Select(z => z.Zone).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var values = new double?[zones.Count, Bands.Length];
        for (var r = 0; r < zones.Count; r++)
        {
            for (var b = 0; b < Bands.Length; b++)
            {
                var cell = cells.SingleOrDefault(z => z.Zone == zones[r] && z.Band == Bands[b]);
                values[r, b] = cell is null ? double.NaN : cell.PersonMinutes;
            }
        }

        var png = HeatMapPlot.Render($"Person-minutes per zone — {store}", "Time band", "Zone", [.. Bands.Select(BandName)], zones, values, "0", height: Height(zones.Count));
        return new DashboardSection(
            Id($"zones-{store}"),
            $"Person-minutes per zone and time band — {store}",
            $"Heat map of person-minutes per zone ({string.Join(", ", zones)}) and time band in store {store}, over the period; {SuppressedText(values)} The table below gives the same numbers.",
            png,
            new DashboardTable($"Person-minutes per zone and time band, store {store}", ["Zone", "Kind", "Band", "Person-minutes"], [.. cells.Select(z => (IReadOnlyList<string>)[z.Zone, Kind(z.Kind), BandName(z.Band), Format(z.PersonMinutes)])]));
    }

    private static DashboardSection QueueSection(string store, DateOnly date, string zone, List<QueueCell> cells)
    {
        var slot = cells.Count > 1 ? cells.Zip(cells.Skip(1), (a, b) => b.Minute - a.Minute).Where(g => g > 0).DefaultIfEmpty(5).Min() : 5;
        var png = SlotPlot.Render($"Queue at {zone} — {store}, {Date(date)}", "People at the checkout", [.. cells.Select(q => new SlotValue(q.Minute, q.QueueLength))], slot);
        var shown = cells.Where(q => q.QueueLength is not null).ToList();
        var peak = shown.Count == 0 ? "" : $" Longest published queue {Format(shown.Max(q => q.QueueLength))} at {Time(shown.MaxBy(q => q.QueueLength!.Value)!.Minute)}.";
        return new DashboardSection(
            Id($"queue-{store}-{Date(date)}-{zone}"),
            $"Queue length over the day at {zone} — {store}, {Date(date)}",
            $"Line chart of the mean number of people at checkout {zone} per {slot}-minute slot from {Time(cells[0].Minute)} to {Time(cells[^1].Minute + slot)} on {Date(date)} in store {store}; {cells.Count - shown.Count} of {cells.Count} slots suppressed and shaded grey.{peak} The table below gives the same numbers.",
            png,
            new DashboardTable($"Mean queue length per slot at {zone}, store {store}, {Date(date)}", ["Slot", "Queue length"], [.. cells.Select(q => (IReadOnlyList<string>)[Time(q.Minute), Format(q.QueueLength)])]));
    }

    private static DashboardSection FlowSection(VisitorReport report, string store)
    {
        var cells = report.Flows.Where(f => f.Store == store).ToList();
        var zones = cells.SelectMany(f => new[] { f.From, f.To }).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var values = new double?[zones.Count, zones.Count];
        for (var r = 0; r < zones.Count; r++)
        {
            for (var c = 0; c < zones.Count; c++)
            {
                var cell = cells.SingleOrDefault(f => f.From == zones[r] && f.To == zones[c]);
                values[r, c] = cell is null ? double.NaN : cell.Moves;
            }
        }

        var png = HeatMapPlot.Render($"Zone-to-zone flows — {store}", "To zone", "From zone", zones, zones, values, "0.#", height: Height(zones.Count));
        return new DashboardSection(
            Id($"flows-{store}"),
            $"Zone-to-zone flows — {store}",
            $"Flow matrix heat map of estimated moves from each zone (rows) to each other zone (columns) in the next slot, store {store}, over the period; {SuppressedText(values)} Dashes mark pairs with no estimate. The table below gives the same numbers.",
            png,
            new DashboardTable($"Estimated moves and share of the origin's moves, store {store}", ["From", "To", "Moves", "Share"], [.. cells.Select(f => (IReadOnlyList<string>)[f.From, f.To, Format(f.Moves), Format(f.Share)])]));
    }

    private static int Height(int rows) => Math.Clamp(PlotHeightBase + (rows * 60), 300, 2000);

    private const int PlotHeightBase = 160;

    private static string SuppressedText(double?[,] values)
    {
        var all = values.Cast<double?>().Where(v => v is not { } x || !double.IsNaN(x)).ToList();
        return $"{all.Count(v => v is null)} of {all.Count} cells suppressed (grey, fewer than k events).";
    }

    private static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";

    private static string Time(int minute) => string.Create(CultureInfo.InvariantCulture, $"{minute / 60:00}:{minute % 60:00}");

    /// <summary>A file-name-safe id: lower-case letters and digits, anything else a hyphen.</summary>
    private static string Id(string text)
    {
        var id = new StringBuilder(text.Length);
        foreach (var ch in text.ToLowerInvariant())
        {
            id.Append(ch is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? ch : '-');
        }

        return id.ToString();
    }
}
