using SkiaSharp;

namespace Obscura.Plots.Tests;

public sealed class DetPlotTests
{
    private static readonly SKColor Blue = new(0x1F, 0x77, 0xB4), Orange = new(0xFF, 0x7F, 0x0E);

    // Normal deviates from tables: the test does not use the code under test to place the point.
    private const double Z0_0005 = -3.290526731, Z0_01 = -2.326347874, Z0_05 = -1.644853627;

    [Fact]
    public void A_point_is_drawn_where_the_probit_axes_put_it()
    {
        // 1000 trials: both axes run from 0.05 % to 50 %, i.e. from z = -3.29 to z = 0.
        using var png = new Png(DetPlot.Render([new DetSeries("One", [new(0.01, 0.05)], 0.02, 1000)]));

        Assert.Equal((900, 700), (png.Width, png.Height));
        var (x, y) = png.At(1 - (Z0_01 / Z0_0005), 1 - (Z0_05 / Z0_0005));
        Assert.True(png.HasNear(x, y, Blue), $"no marker at ({x}, {y})");

        // On linear axes the same point would sit near the bottom-left corner: nothing blue there.
        var (lx, ly) = png.At(0.01 / 0.5, 0.05 / 0.5);
        Assert.False(png.HasNear(lx, ly, Blue, radius: 6), "marker where linear axes would put it");
    }

    [Fact]
    public void Each_series_has_its_colour_along_its_curve_and_the_axes_are_labelled()
    {
        DataPoint[] curve = [new(0.0005, 0.4), new(0.01, 0.05), new(0.1, 0.005), new(0.4, 0.0005)];
        DataPoint[] other = [.. curve.Select(p => new DataPoint(p.X, Math.Min(0.5, p.Y * 3)))];
        using var png = new Png(DetPlot.Render([new DetSeries("Plaintext", curve, 0.03, 1000), new DetSeries("Encrypted", other, 0.05, 1000)]));

        Assert.True(png.HasNear(png.At(1 - (Z0_01 / Z0_0005), 1 - (Z0_05 / Z0_0005)).X, png.At(1 - (Z0_01 / Z0_0005), 1 - (Z0_05 / Z0_0005)).Y, Blue));
        Assert.True(png.Count(Orange, png.DataLeft, png.DataTop, png.DataRight, png.DataBottom) > 200, "second series missing");
        Assert.True(png.Ink(png.DataLeft, png.DataBottom + 5, png.DataRight, png.Height) > 300, "no tick labels or title under the X axis");
        Assert.True(png.Ink(0, png.DataTop, png.DataLeft - 5, png.DataBottom) > 300, "no tick labels or title left of the Y axis");
    }

    [Fact]
    public void The_same_input_renders_to_the_same_bytes()
    {
        DetSeries[] series = [new("Plaintext", [new(0.001, 0.3), new(0.02, 0.02), new(0.3, 0.001)], 0.02, 500)];
        Assert.Equal(DetPlot.Render(series), DetPlot.Render(series));
    }

    [Fact]
    public void Bad_series_are_refused_with_a_message_that_names_them()
    {
        Assert.Contains("at least one series", Assert.Throws<ArgumentException>(() => DetPlot.Render([])).Message, StringComparison.Ordinal);
        Assert.Contains("'Empty' has no points", Assert.Throws<ArgumentException>(() => DetPlot.Render([new DetSeries("Empty", [], 0, 10)])).Message, StringComparison.Ordinal);
        Assert.Contains("'Bad' has a non-finite coordinate at point 1", Assert.Throws<ArgumentException>(() => DetPlot.Render([new DetSeries("Bad", [new(0.1, 0.1), new(double.NaN, 0.1)], 0, 10)])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => DetPlot.Render([new DetSeries("Rate", [new(1.5, 0.1)], 0, 10)]));
        Assert.Throws<ArgumentException>(() => DetPlot.Render([new DetSeries("Trials", [new(0.1, 0.1)], 0, 0)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => DetPlot.Render([new DetSeries("Small", [new(0.1, 0.1)], 0, 10)], width: 100));
    }
}
