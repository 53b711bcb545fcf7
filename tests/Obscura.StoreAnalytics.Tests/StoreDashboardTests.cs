using System.Globalization;
using System.Text.RegularExpressions;
using Obscura.StoreAnalytics.Analytics;
using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.Reporting;
using SkiaSharp;

namespace Obscura.StoreAnalytics.Tests;

public sealed partial class StoreDashboardTests
{
    private static readonly DateOnly Day = new(2026, 12, 4);

    /// <summary>
    /// Two stores. s1: 61 morning arrivals, 47 at lunch (below k = 50), 83 till captures in one slot and 43 in the next
    /// (below k), entrance → till moves. s2: 58 morning arrivals. Every ID unique and re-matching surely.
    /// </summary>
    private static StoreObservations Observations()
    {
        var events = new List<StoreEvent>();
        void Add(string store, TimeBand band, int minute, string zone, ZoneKind kind, int count, string prefix)
        {
            for (var i = 0; i < count; i++)
            {
                events.Add(new StoreEvent(store, Day, band, minute, zone, kind, $"{prefix}{i}"));
            }
        }

        Add("s1", TimeBand.Morning, 540, "entrance", ZoneKind.Entrance, 61, "m");
        Add("s1", TimeBand.Morning, 545, "till", ZoneKind.Checkout, 83, "m");
        Add("s1", TimeBand.Morning, 550, "till", ZoneKind.Checkout, 43, "x");
        Add("s1", TimeBand.Lunch, 700, "entrance", ZoneKind.Entrance, 47, "l");
        Add("s2", TimeBand.Morning, 540, "entrance", ZoneKind.Entrance, 58, "t");
        var tallies = new List<ZoneTally>
        {
            new("s1", Day, TimeBand.Morning, 540, "entrance", ZoneKind.Entrance, 5),
            new("s1", Day, TimeBand.Morning, 545, "till", ZoneKind.Checkout, 10),
            new("s1", Day, TimeBand.Morning, 550, "till", ZoneKind.Checkout, 10),
            new("s1", Day, TimeBand.Lunch, 700, "entrance", ZoneKind.Entrance, 5),
            new("s2", Day, TimeBand.Morning, 540, "entrance", ZoneKind.Entrance, 5),
        };
        return new StoreObservations(events, tallies, new Dictionary<string, IReadOnlyList<double>> { ["s1"] = [1, 1, 1, 1], ["s2"] = [1, 1, 1, 1] });
    }

    private static async Task<(VisitorReport Report, ReportOptions Options)> ReportAsync(int k = 50)
    {
        var options = new ReportOptions(k);
        return ((await VisitorStatistics.BuildAsync(Observations(), options, cancellationToken: TestContext.Current.CancellationToken))!, options);
    }

    /// <summary>The text of the HTML without its data: URIs (base64 can hold any digits).</summary>
    private static string Text(string html) => DataUri().Replace(html, "data:…");

    private static List<string> Cells(string html) => [.. CellPattern().Matches(html).Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value))];

    [Fact]
    public async Task The_html_holds_exactly_the_published_numbers_and_no_suppressed_true_count()
    {
        var (report, options) = await ReportAsync();
        var html = StoreDashboardHtml.Render(StoreDashboard.Build(report), options);
        var text = Text(html);

        // Suppressed here: lunch visits of s1 (47 arrivals) and the till's second slot (43 captures → 4.3 people).
        Assert.Null(report.Visits.Single(v => v.Store == "s1" && v.Band == TimeBand.Lunch).Visits);
        Assert.Null(report.Queues.Single(q => q.Minute == 550).QueueLength);
        foreach (var secret in new[] { "47", "4.3", "43" })
        {
            Assert.False(Regex.IsMatch(text, $@"(?<![\d.]){Regex.Escape(secret)}(?![\d.])"), $"the suppressed value {secret} is in the report");
        }

        // Every number in a table cell is a published value, and every published value is in a table cell.
        var published = new List<double?>();
        published.AddRange(report.Visits.Select(v => (double?)v.Visits));
        published.AddRange(report.ZoneBands.Select(z => z.PersonMinutes));
        published.AddRange(report.Queues.Select(q => q.QueueLength));
        published.AddRange(report.Flows.SelectMany(f => new[] { f.Moves, f.Share }));
        published.AddRange(report.Dwell.SelectMany(d => new[] { d.PersonMinutes, d.MinutesPerVisit }));
        published.AddRange(report.Comparison.SelectMany(c => new[] { c.Visits, c.ReturningShare, c.MinutesPerVisit }));
        var numbers = Cells(html).Where(c => double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out _)).ToList();
        var expected = published.Where(p => p is not null).Select(StoreDashboard.Format).ToList();
        Assert.Equal(expected.Order(StringComparer.Ordinal), numbers.Order(StringComparer.Ordinal));
        Assert.Equal(published.Count(p => p is null), Cells(html).Count(c => c == StoreDashboard.Suppressed));

        Assert.Contains("61", numbers);
        Assert.Contains(StoreDashboard.Format(8.3), numbers); // 83 captures / 10 frames at the till
        Assert.Contains("comparison", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_html_is_self_contained_and_every_plot_has_alt_text_and_a_table()
    {
        var (report, options) = await ReportAsync();
        var html = StoreDashboardHtml.Render(StoreDashboard.Build(report), options);

        Assert.DoesNotMatch(@"(src|href)=""(?!data:)", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        var images = Regex.Matches(html, @"<img src=""data:image/png;base64,([A-Za-z0-9+/=]+)"" alt=""([^""]+)"">");
        Assert.True(images.Count >= 4, $"{images.Count} plots"); // visits, zones of s1 and s2, the till's queue, flows of s1
        foreach (Match image in images)
        {
            using var bitmap = SKBitmap.Decode(Convert.FromBase64String(image.Groups[1].Value));
            Assert.NotNull(bitmap);
            Assert.True(bitmap.Width >= 300 && bitmap.Height >= 300);
            Assert.Contains("table below", image.Groups[2].Value, StringComparison.Ordinal);
        }

        Assert.Equal(Regex.Matches(html, "<section").Count, Regex.Matches(html, "<table>").Count);
        Assert.Contains("<th scope=\"col\">", html, StringComparison.Ordinal);
        Assert.Contains("lang=\"en\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_suppressed_cell_is_drawn_grey_in_the_visits_heat_map_and_not_when_it_is_published()
    {
        var grey = new SKColor(0xBD, 0xBD, 0xBD);
        int GreyPixels(ReadOnlyMemory<byte> png)
        {
            using var bitmap = SKBitmap.Decode(png.ToArray());
            var count = 0;
            for (var y = 0; y < bitmap.Height; y++)
            {
                for (var x = 0; x < bitmap.Width; x++)
                {
                    var p = bitmap.GetPixel(x, y);
                    count += Math.Abs(p.Red - grey.Red) + Math.Abs(p.Green - grey.Green) + Math.Abs(p.Blue - grey.Blue) < 12 ? 1 : 0;
                }
            }

            return count;
        }

        var suppressed = StoreDashboard.Build((await ReportAsync(50)).Report).Single(s => s.Id == "visits");
        var shown = StoreDashboard.Build((await ReportAsync(1)).Report).Single(s => s.Id == "visits");

        // s1's lunch cell (3 cells exist: s1 morning and lunch, s2 morning): a grey block with k = 50, none with k = 1.
        Assert.True(GreyPixels(suppressed.Png!.Value) > 5000, $"{GreyPixels(suppressed.Png!.Value)} grey pixels");
        Assert.True(GreyPixels(shown.Png!.Value) < 1000, $"{GreyPixels(shown.Png!.Value)} grey pixels");
        Assert.Contains("1 of 3 cells suppressed", suppressed.AltText, StringComparison.Ordinal);
    }

    [GeneratedRegex("data:image/png;base64,[A-Za-z0-9+/=]+")]
    private static partial Regex DataUri();

    [GeneratedRegex("<td[^>]*>([^<]*)</td>")]
    private static partial Regex CellPattern();
}
