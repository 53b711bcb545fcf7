using SkiaSharp;

namespace Obscura.Plots.Tests;

public sealed class RocPlotTests
{
    private static readonly SKColor Blue = new(0x1F, 0x77, 0xB4), Orange = new(0xFF, 0x7F, 0x0E);

    [Fact]
    public void A_point_is_drawn_where_the_log_axes_put_it()
    {
        // 1000 members and non-members: both axes run from 0.05 % (log10 = -3.30) to 100 % (log10 = 0).
        using var png = new Png(RocPlot.Render([new RocSeries("One", [new(0.01, 0.1)], 1000, 1000)]));

        Assert.Equal((900, 700), (png.Width, png.Height));
        var low = Math.Log10(0.0005);
        var (x, y) = png.At(1 - (-2 / low), 1 - (-1 / low));
        Assert.True(png.HasNear(x, y, Blue), $"no marker at ({x}, {y})");
        var (lx, ly) = png.At(0.01, 0.1);
        Assert.False(png.HasNear(lx, ly, Blue, radius: 6), "marker where linear axes would put it");
    }

    [Fact]
    public void A_curve_from_zero_starts_on_the_floor_and_runs_to_the_top_right_corner()
    {
        DataPoint[] curve = [new(0, 0.02), new(0.001, 0.05), new(0.01, 0.2), new(0.1, 0.5), new(1, 1)];
        using var png = new Png(RocPlot.Render([new RocSeries("lira-online  AUC 0.80", curve, 1000, 1000), new RocSeries("loss-baseline  AUC 0.60", [new(0, 0), new(0.5, 0.6), new(1, 1)], 1000, 1000)]));

        var low = Math.Log10(0.0005);
        var (x, y) = png.At(0, 1 - (Math.Log10(0.02) / low));
        Assert.True(png.HasNear(x + 2, y, Blue), "the TPR at FPR 0 is not drawn on the left edge");
        var (cx, cy) = png.At(1, 1);
        Assert.True(png.HasNear(cx - 3, cy + 3, Blue, radius: 5) || png.HasNear(cx - 3, cy + 3, Orange, radius: 5), "no curve reaches (1, 1)");
        Assert.True(png.Count(Orange, png.DataLeft, png.DataTop, png.DataRight, png.DataBottom) > 150, "second series missing");
        Assert.True(png.Ink(png.DataLeft, png.DataBottom + 5, png.DataRight, png.Height) > 300, "no X tick labels or title");
        Assert.True(png.Ink(0, png.DataTop, png.DataLeft - 5, png.DataBottom) > 300, "no Y tick labels or title");
        Assert.True(png.Ink(0, 0, png.Width, png.DataTop - 5) > 300, "no title");
    }

    [Fact]
    public void The_floor_follows_the_largest_count_down_to_one_in_a_million()
    {
        Assert.Equal(0.0005, RocPlot.Floor([new RocSeries("a", [new(0, 0)], 1000, 10)]), 12);
        Assert.Equal(1e-6, RocPlot.Floor([new RocSeries("a", [new(0, 0)], 100_000_000, 10)]), 12);
    }

    [Fact]
    public void The_same_input_renders_to_the_same_bytes_and_bad_input_is_refused()
    {
        RocSeries[] series = [new("a", [new(0, 0.01), new(0.01, 0.1), new(1, 1)], 200, 200)];
        Assert.Equal(RocPlot.Render(series), RocPlot.Render(series));

        Assert.Throws<ArgumentException>(() => RocPlot.Render([]));
        Assert.Throws<ArgumentException>(() => RocPlot.Render([new RocSeries("a", [], 10, 10)]));
        Assert.Throws<ArgumentException>(() => RocPlot.Render([new RocSeries("a", [new(double.PositiveInfinity, 0)], 10, 10)]));
        Assert.Throws<ArgumentException>(() => RocPlot.Render([new RocSeries("a", [new(0.5, -0.1)], 10, 10)]));
        Assert.Throws<ArgumentException>(() => RocPlot.Render([new RocSeries("a", [new(0.5, 0.5)], 0, 10)]));
        Assert.Throws<ArgumentException>(() => RocPlot.Render([.. Enumerable.Range(0, 11).Select(i => new RocSeries($"s{i}", [new(0.5, 0.5)], 10, 10))]));
    }
}
