using SkiaSharp;

namespace Obscura.Plots.Tests;

public sealed class BudgetSpendPlotTests
{
    private static readonly SKColor Blue = new(0x1F, 0x77, 0xB4), Red = new(0xD6, 0x27, 0x28);
    private static readonly DateTimeOffset Set = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_staircase_steps_up_at_each_release_under_the_budget_line()
    {
        // Budget ε = 2 → Y axis to 2.3. Releases at +1 h (ε 0.5) and +2 h (ε 1.5): X runs from -6 min to +2 h 6 min.
        BudgetSpend[] spend = [new(Set.AddHours(1), 0.5), new(Set.AddHours(2), 1.5)];
        using var png = new Png(BudgetSpendPlot.Render("census / statistics", Set, 2, spend));

        Assert.Equal((900, 700), (png.Width, png.Height));
        double Across(double hours) => (hours + 0.1) / 2.2;
        var (x1, y1) = png.At(Across(1.5), 0.5 / 2.3);
        Assert.True(png.HasNear(x1, y1, Blue, radius: 3), $"no spend at ε 0.5 between the releases ({x1}, {y1})");
        var (x0, y0) = png.At(Across(0.5), 0);
        Assert.True(png.HasNear(x0, y0 - 1, Blue, radius: 3), "spend is not 0 before the first release");
        var (x2, y2) = png.At(Across(2.05), 1.5 / 2.3);
        Assert.True(png.HasNear(x2, y2, Blue, radius: 3), "no spend at ε 1.5 after the second release");
        var (_, budgetY) = png.At(0, 2 / 2.3);
        Assert.True(png.Count(Red, png.DataLeft, budgetY - 2, png.DataRight, budgetY + 3) > 200, "no budget line at ε 2");
        Assert.True(png.Ink(png.DataLeft, png.DataBottom + 5, png.DataRight, png.Height) > 200, "no time labels");
    }

    [Fact]
    public void A_budget_with_no_release_is_a_flat_staircase_and_bad_spend_is_refused()
    {
        using var png = new Png(BudgetSpendPlot.Render("empty", Set, 1, []));
        Assert.True(png.Count(Blue, png.DataLeft, png.DataBottom - 3, png.DataRight, png.DataBottom + 1) > 300, "no zero staircase");

        Assert.Throws<ArgumentOutOfRangeException>(() => BudgetSpendPlot.Render("x", Set, 0, []));
        Assert.Throws<ArgumentException>(() => BudgetSpendPlot.Render("x", Set, 1, [new(Set.AddHours(-1), 0.1)]));
        Assert.Throws<ArgumentException>(() => BudgetSpendPlot.Render("x", Set, 1, [new(Set.AddHours(1), double.NaN)]));
        Assert.Throws<ArgumentException>(() => BudgetSpendPlot.Render("x", Set, 1, [new(Set.AddHours(2), 0.1), new(Set.AddHours(1), 0.2)]));
    }
}
