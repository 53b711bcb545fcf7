using System.Text;

namespace Obscura.Plots.Tests;

/// <summary>The registered-report schema: its JSON round trip, the checks on reading it, and the plots its data draws.</summary>
public sealed class PlotReportTests
{
    [Fact]
    public void A_report_survives_its_json_round_trip_and_draws_each_plot_it_names()
    {
        var report = Report(PlotReport.EvaluationKind);
        var back = PlotReport.Parse(report.ToJson());

        Assert.Equal(report.Name, back.Name);
        Assert.Equal(report.CreatedAt, back.CreatedAt);
        Assert.Equal(report.Figures, back.Figures);
        Assert.Equal(report.Det![0].Points, back.Det![0].Points);
        Assert.Equal(report.Unlinkability, back.Unlinkability);
        Assert.Equal(["det", "unlinkability"], back.Plots.Select(p => p.Id));
        Assert.Contains("Plaintext, equal error rate 3.25%", back.Plots[0].AltText, StringComparison.Ordinal);
        foreach (var plot in back.Plots)
        {
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], back.Render(plot.Id)[..4]);
        }

        Assert.Throws<ArgumentException>(() => back.Render("roc"));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("""{"schemaVersion":2,"name":"x","kind":"evaluation","command":"c","dataset":"d","createdAt":"2026-01-01T00:00:00Z","toolVersion":"v","figures":[]}""")]
    [InlineData("""{"schemaVersion":1,"name":"x","kind":"something-else","command":"c","dataset":"d","createdAt":"2026-01-01T00:00:00Z","toolVersion":"v","figures":[]}""")]
    [InlineData("""{"schemaVersion":1,"name":"x","kind":"evaluation","command":"c","dataset":"d","createdAt":"2026-01-01T00:00:00Z","toolVersion":"v"}""")]
    [InlineData("""{"schemaVersion":1,"name":"x","kind":"evaluation","command":"c","dataset":"d","createdAt":"2026-01-01T00:00:00Z","toolVersion":"v","figures":[{"label":"a","value":"NaN"}]}""")]
    public void A_file_that_is_not_a_report_of_this_layout_is_refused(string json) =>
        Assert.Throws<InvalidDataException>(() => PlotReport.Parse(Encoding.UTF8.GetBytes(json)));

    private static PlotReport Report(string kind) => new(
        PlotReport.CurrentSchemaVersion,
        "r1",
        kind,
        "obscura eval",
        "embeddings.csv",
        new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
        "1.0",
        null,
        [new ReportFigure("EER, plaintext", 0.0325, ReportFigure.RateUnit, true)],
        [new DetSeries("Plaintext", [new DataPoint(0.001, 0.2), new DataPoint(0.0325, 0.0325)], 0.0325, 90)],
        [new UnlinkabilityBin(0.1, 2, 1, 0.5)],
        0.125,
        null);
}
