using SkiaSharp;

namespace Obscura.Plots.Tests;

public sealed class PrivacyUtilityPlotTests
{
    private static readonly SKColor Blue = new(0x1F, 0x77, 0xB4);

    [Fact]
    public void Each_point_is_drawn_where_the_linear_axes_put_it()
    {
        // X 0.3..0.9 padded by 5 % → [0.27, 0.93]; Y 0..0.2 · 1.1 = 0.22.
        NamedSeries[] series = [new("k = 5", [new(0.3, 0.2), new(0.5, 0.1), new(0.9, 0.02)])];
        using var png = new Png(PrivacyUtilityPlot.Render("Store analytics", "Target re-match probability", "Returning-share error", series));

        var (x, y) = png.At((0.5 - 0.27) / 0.66, 0.1 / 0.22);
        Assert.True(png.HasNear(x, y, Blue, radius: 3), $"no point at ({x}, {y})");
        Assert.True(png.Ink(png.DataLeft, png.DataBottom + 5, png.DataRight, png.Height) > 300, "no X labels");
        Assert.Equal(PrivacyUtilityPlot.Render("t", "x", "y", series), PrivacyUtilityPlot.Render("t", "x", "y", series));
    }

    [Fact]
    public void A_single_point_is_a_marker_and_bad_series_are_refused()
    {
        using var png = new Png(PrivacyUtilityPlot.Render("t", "x", "y", [new NamedSeries("one", [new(0.5, 1)])]));
        var (x, y) = png.At(0.5, 1 / 1.1);
        Assert.True(png.HasNear(x, y, Blue, radius: 3), "single point not drawn");

        Assert.Throws<ArgumentException>(() => PrivacyUtilityPlot.Render("t", "x", "y", []));
        Assert.Throws<ArgumentException>(() => PrivacyUtilityPlot.Render("t", "x", "y", [new NamedSeries("e", [])]));
        Assert.Throws<ArgumentException>(() => PrivacyUtilityPlot.Render("t", "x", "y", [new NamedSeries("n", [new(double.NaN, 1)])]));
        Assert.Throws<ArgumentException>(() => PrivacyUtilityPlot.Render("t", "x", "y", [new NamedSeries("neg", [new(0.5, -1)])]));
        Assert.Throws<ArgumentException>(() => PrivacyUtilityPlot.Render("", "x", "y", [new NamedSeries("a", [new(0.5, 1)])]));
    }
}
