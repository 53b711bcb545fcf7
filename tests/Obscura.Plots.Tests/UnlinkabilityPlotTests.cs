using SkiaSharp;

namespace Obscura.Plots.Tests;

public sealed class UnlinkabilityPlotTests
{
    [Fact]
    public void Histograms_use_the_left_axis_and_the_local_measure_the_right_one()
    {
        // Scores 0..1 in 5 bins of width 0.25 centred at 0, 0.25, …, 1: the X range is [-0.125, 1.125].
        UnlinkabilityBin[] bins =
        [
            new(0, 0, 2, 0), new(0.25, 0.5, 1.5, 0), new(0.5, 1, 1, 0.5), new(0.75, 2, 0.2, 1), new(1, 1.5, 0, 1),
        ];
        using var png = new Png(UnlinkabilityPlot.Render(bins, 0.42), rightAxis: true);

        Assert.Equal((900, 700), (png.Width, png.Height));
        double Across(double score) => (score + 0.125) / 1.25;

        // D↔(s) = 0.5 at score 0.5 is half way up on the right axis (0 to 1); the left axis runs to 2.2.
        var (x, y) = png.At(Across(0.5), 0.5);
        Assert.True(png.HasNear(x, y, SKColors.Black, radius: 3), $"no D↔(s) line at ({x}, {y})");

        // The non-mated bar of the first bin (density 2 of 2.2) is red-tinted up to 2 / 2.2 of the height, white above.
        var red = new SKColor(0xEA, 0x93, 0x93); // #D62728 at half opacity over white
        var (bx, by) = png.At(Across(0), 0.5);
        Assert.True(png.HasNear(bx, by, red, radius: 2, tolerance: 60), "no non-mated bar");
        var (tx, ty) = png.At(Across(0), 0.97);
        Assert.False(png.HasNear(tx, ty, red, radius: 1, tolerance: 60), "the non-mated bar is too tall");

        Assert.True(png.Ink(png.DataRight + 5, png.DataTop, png.Width, png.DataBottom) > 200, "no right axis labels");
        Assert.True(png.Ink(0, 0, png.Width, png.DataTop - 5) > 300, "no title");
    }

    [Fact]
    public void One_bin_draws_and_bad_bins_are_refused()
    {
        using var png = new Png(UnlinkabilityPlot.Render([new UnlinkabilityBin(0.3, 1, 1, 0)], 0), rightAxis: true);
        Assert.Equal(900, png.Width);

        Assert.Throws<ArgumentException>(() => UnlinkabilityPlot.Render([], 0.1));
        Assert.Throws<ArgumentException>(() => UnlinkabilityPlot.Render([new UnlinkabilityBin(0, double.NaN, 1, 0)], 0.1));
        Assert.Throws<ArgumentException>(() => UnlinkabilityPlot.Render([new UnlinkabilityBin(0, 1, 1, 1.5)], 0.1));
        Assert.Throws<ArgumentException>(() => UnlinkabilityPlot.Render([new UnlinkabilityBin(0.5, 1, 1, 0), new UnlinkabilityBin(0.2, 1, 1, 0)], 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => UnlinkabilityPlot.Render([new UnlinkabilityBin(0, 1, 1, 0)], double.NaN));
    }
}
