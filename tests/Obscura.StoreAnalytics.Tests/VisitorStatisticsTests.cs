using Obscura.Privacy;
using Obscura.Privacy.Accounting;
using Obscura.StoreAnalytics.Analytics;
using Obscura.StoreAnalytics.Edge;

namespace Obscura.StoreAnalytics.Tests;

public sealed class VisitorStatisticsTests
{
    private static readonly DateOnly Day = new(2026, 12, 4);

    /// <summary>
    /// Morning: 12 arrivals, 10 frames at the till in slot 9:00 with 25 captures; lunch: 2 arrivals (below k = 3).
    /// Every ID is unique and re-matches surely (R = 1), so linking estimates are exact.
    /// </summary>
    private static StoreObservations Observations()
    {
        var events = new List<StoreEvent>();
        for (var i = 0; i < 12; i++)
        {
            events.Add(new StoreEvent("s1", Day, TimeBand.Morning, 540, "entrance", ZoneKind.Entrance, $"m{i}"));
        }

        for (var i = 0; i < 25; i++)
        {
            events.Add(new StoreEvent("s1", Day, TimeBand.Morning, 545, "till", ZoneKind.Checkout, $"m{i % 12}"));
        }

        events.Add(new StoreEvent("s1", Day, TimeBand.Lunch, 700, "entrance", ZoneKind.Entrance, "m0"));
        events.Add(new StoreEvent("s1", Day, TimeBand.Lunch, 700, "entrance", ZoneKind.Entrance, "new"));
        var tallies = new List<ZoneTally>
        {
            new("s1", Day, TimeBand.Morning, 540, "entrance", ZoneKind.Entrance, 5),
            new("s1", Day, TimeBand.Morning, 545, "till", ZoneKind.Checkout, 10),
            new("s1", Day, TimeBand.Morning, 550, "till", ZoneKind.Checkout, 5),
            new("s1", Day, TimeBand.Lunch, 700, "entrance", ZoneKind.Entrance, 5),
        };
        return new StoreObservations(events, tallies, new Dictionary<string, IReadOnlyList<double>> { ["s1"] = [1, 1, 1, 1] });
    }

    [Fact]
    public async Task Counts_queues_and_person_minutes_are_published_and_cells_below_k_are_suppressed()
    {
        var report = (await VisitorStatistics.BuildAsync(Observations(), new ReportOptions(3), cancellationToken: TestContext.Current.CancellationToken))!;
        Assert.Equal(12, report.Visits.Single(v => v.Band == TimeBand.Morning).Visits);
        Assert.Null(report.Visits.Single(v => v.Band == TimeBand.Lunch).Visits);
        Assert.Equal(2.5, report.Queues.Single(q => q.Minute == 545).QueueLength);
        Assert.Null(report.Queues.Single(q => q.Minute == 550).QueueLength);

        // 25 captures over 10 frames of a 5-minute slot = 12.5 person-minutes; 12 visits published.
        var till = report.Dwell.Single(d => d.Zone == "till");
        Assert.Equal(12.5, till.PersonMinutes!.Value, 9);
        Assert.Equal(12.5 / 12, till.MinutesPerVisit!.Value, 9);

        // 2 later arrivals: below k, so the returning share is suppressed, and so are the raw counts behind it (one of
        // the two re-matched: publishing "1 of 2" would be the small cell itself).
        var returning = report.Returning.Single();
        Assert.Null(returning.ReturningShare);
        Assert.Null(returning.Arrivals);
        Assert.Null(returning.Rematched);
        Assert.True(report.Suppressed >= 3);
    }

    [Fact]
    public async Task Published_returning_cells_carry_their_raw_counts_when_visits_are_not_noised()
    {
        var report = (await VisitorStatistics.BuildAsync(Observations(), new ReportOptions(1), cancellationToken: TestContext.Current.CancellationToken))!;
        var returning = report.Returning.Single();
        Assert.Equal(1.0 / 2, returning.ReturningShare);
        Assert.Equal(2, returning.Arrivals);
        Assert.Equal(1, returning.Rematched);
        Assert.Equal(0, report.Withheld);
        Assert.NotNull(report.ZoneBands.Single(z => z.Zone == "entrance" && z.Band == TimeBand.Lunch).PersonMinutes);
    }

    /// <summary>
    /// The attack: visits are noised, but a reader who knows the cameras' frame rate (one frame per minute here, so an
    /// entrance slot's frames are its tally) turns the entrance zone's person-minutes back into captures, which are
    /// the exact visits; and the returning cell's arrivals are the exact sum of the later bands' visits. Neither may be
    /// published beside noised visits.
    /// </summary>
    [Fact]
    public async Task With_noised_visits_no_published_cell_gives_an_exact_visit_count_back()
    {
        var report = (await VisitorStatistics.BuildAsync(Observations(), new ReportOptions(1, VisitsEpsilon: Rational.Of(1, 2)), cancellationToken: TestContext.Current.CancellationToken))!;

        // Truth: 12 morning arrivals, 2 at lunch. The entrance tallies: 5 frames in a 5-minute slot, so captures =
        // person-minutes × frames / slot minutes.
        const int Frames = 5, SlotMinutes = 5;
        double? FromPersonMinutes(TimeBand band) => report.ZoneBands.Single(z => z.Zone == "entrance" && z.Band == band).PersonMinutes * Frames / SlotMinutes;
        Assert.Null(FromPersonMinutes(TimeBand.Morning));
        Assert.Null(FromPersonMinutes(TimeBand.Lunch));
        Assert.Null(report.Dwell.Single(d => d.Zone == "entrance").PersonMinutes);
        Assert.Null(report.Dwell.Single(d => d.Zone == "entrance").MinutesPerVisit);
        Assert.Null(report.Returning.Single().Arrivals);
        Assert.Null(report.Returning.Single().Rematched);
        Assert.Equal(5, report.Withheld); // 2 zone-band cells, the entrance's 2 dwell figures, the returning cell's counts

        // The zones that are not the entrance stay published: the till's person-minutes are not a visit count.
        Assert.Equal(12.5, report.Dwell.Single(d => d.Zone == "till").PersonMinutes!.Value, 9);
    }

    [Fact]
    public async Task Person_minutes_per_zone_and_band_add_up_to_the_zones_dwell_and_are_suppressed_below_k()
    {
        var all = (await VisitorStatistics.BuildAsync(Observations(), new ReportOptions(1), cancellationToken: TestContext.Current.CancellationToken))!;
        foreach (var dwell in all.Dwell)
        {
            Assert.Equal(dwell.PersonMinutes!.Value, all.ZoneBands.Where(z => z.Zone == dwell.Zone).Sum(z => z.PersonMinutes!.Value), 9);
        }

        // Entrance: 12 morning captures over 5 frames of a 5-minute slot = 12 person-minutes; 2 at lunch = 2.
        Assert.Equal(12, all.ZoneBands.Single(z => z.Zone == "entrance" && z.Band == TimeBand.Morning).PersonMinutes!.Value, 9);
        Assert.Equal(2, all.ZoneBands.Single(z => z.Zone == "entrance" && z.Band == TimeBand.Lunch).PersonMinutes!.Value, 9);

        var k3 = (await VisitorStatistics.BuildAsync(Observations(), new ReportOptions(3), cancellationToken: TestContext.Current.CancellationToken))!;
        Assert.Null(k3.ZoneBands.Single(z => z.Zone == "entrance" && z.Band == TimeBand.Lunch).PersonMinutes);
        Assert.NotNull(k3.ZoneBands.Single(z => z.Zone == "entrance" && z.Band == TimeBand.Morning).PersonMinutes);
    }

    [Fact]
    public async Task With_unique_ids_that_always_re_match_the_returning_share_and_flows_are_exact()
    {
        var report = (await VisitorStatistics.BuildAsync(Observations(), new ReportOptions(1), cancellationToken: TestContext.Current.CancellationToken))!;
        Assert.Equal(0.5, report.Returning.Single().ReturningShare!.Value, 9);
        var flow = report.Flows.Single(f => f.From == "entrance" && f.To == "till");
        Assert.Equal(25, flow.Moves!.Value, 9);
        Assert.Equal(1, flow.Share);
    }

    [Fact]
    public async Task Noised_visits_are_charged_first_and_refused_when_the_budget_declines()
    {
        var charged = new List<PrivacyCost>();
        var epsilon = Rational.Of(1, 2);
        var refused = await VisitorStatistics.BuildAsync(Observations(), new ReportOptions(3, epsilon), (_, _) => Task.FromResult(false), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Null(refused);

        // Discrete Laplace of scale 2 (variance 2e^{−1/2}/(1 − e^{−1/2})² ≈ 7.8 per draw): the mean of 200 morning
        // counts is within 1 of 12 except with probability ≤ 7.8/200 ≈ 0.04 (Chebyshev), about 10⁻⁶ by the CLT; the
        // seeds are fixed, so the run is reproducible.
        var counts = new List<long>();
        for (var i = 0; i < 200; i++)
        {
            var report = (await VisitorStatistics.BuildAsync(Observations(), new ReportOptions(1, epsilon), (cost, _) => { charged.Add(cost); return Task.FromResult(true); }, new SeededRandom(i), TestContext.Current.CancellationToken))!;
            Assert.Equal(new PrivacyCost.Pure(epsilon), report.Cost);
            counts.Add(report.Visits.Single(v => v.Band == TimeBand.Morning).Visits ?? 0);
        }

        Assert.Equal(200, charged.Count);
        Assert.True(counts.Distinct().Count() > 3, "the counts are noised");
        Assert.InRange(counts.Average(), 11, 13);
    }
}
