using SkiaSharp;

namespace Obscura.Plots.Tests;

public sealed class SlotPlotTests
{
    private static readonly SKColor Blue = new(0x1F, 0x77, 0xB4), Grey = new(0xBD, 0xBD, 0xBD);

    [Fact]
    public void A_suppressed_slot_is_shaded_over_the_whole_height_and_breaks_the_line()
    {
        // 10:00–11:00 in 5-minute slots at 2 people, except 10:20 suppressed. Y axis to max(2) × 1.15 = 2.3.
        var values = Enumerable.Range(0, 12).Select(i => new SlotValue(600 + (5 * i), i == 4 ? null : 2)).ToList();
        using var png = new Png(SlotPlot.Render("till", "people", values, 5));

        double Across(double minute) => (minute - 600) / 60;
        var (xGap, yTop) = png.At(Across(622.5), 0.95);
        var (_, yLine) = png.At(0, 2 / 2.3);
        Assert.True(png.HasNear(xGap, yTop, Grey, radius: 0, tolerance: 12), $"suppressed slot not shaded: {png.Pixel(xGap, yTop)}");
        var (_, yBottom) = png.At(0, 0.05);
        Assert.True(png.HasNear(xGap, yBottom, Grey, radius: 0, tolerance: 12), "shading does not reach the bottom: the slot could read as zero");
        Assert.False(png.HasNear(xGap, yLine, Blue, radius: 1), "the line runs through the suppressed slot");
        var (xShown, _) = png.At(Across(607.5), 0);
        Assert.True(png.HasNear(xShown, yLine, Blue, radius: 3), "no line at 2 people in a published slot");
        var (xOther, _) = png.At(Across(640), 0);
        Assert.False(png.HasNear(xOther, yTop, Grey, radius: 0, tolerance: 12), "a published slot is shaded");
    }

    [Fact]
    public void Slots_out_of_order_or_negative_are_refused()
    {
        Assert.Throws<ArgumentException>(() => SlotPlot.Render("x", "y", [], 5));
        Assert.Throws<ArgumentException>(() => SlotPlot.Render("x", "y", [new(605, 1), new(600, 1)], 5));
        Assert.Throws<ArgumentException>(() => SlotPlot.Render("x", "y", [new(600, -1)], 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => SlotPlot.Render("x", "y", [new(600, 1)], 0));
    }
}
