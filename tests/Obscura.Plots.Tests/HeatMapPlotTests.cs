using SkiaSharp;

namespace Obscura.Plots.Tests;

public sealed class HeatMapPlotTests
{
    private static SKColor Sk(ScottPlot.Color c) => new(c.R, c.G, c.B);

    /// <summary>A pixel of cell (row, column) away from its printed label: a quarter in from its lower-left corner.</summary>
    private static (int X, int Y) InCell(Png png, int rows, int columns, int row, int column) =>
        png.At((column + 0.15) / columns, (rows - row - 1 + 0.2) / rows);

    [Fact]
    public void Cells_are_coloured_by_value_and_a_suppressed_cell_is_grey_not_the_colour_of_zero()
    {
        double?[,] values = { { 0, 5, 10 }, { null, 2.5, double.NaN } };
        using var png = new Png(HeatMapPlot.Render("zones", "band", "zone", ["morning", "lunch", "afternoon"], ["entrance", "till"], values));

        Assert.Equal((900, 600), (png.Width, png.Height));
        SKColor Cell(int r, int c)
        {
            var (x, y) = InCell(png, 2, 3, r, c);
            return png.Pixel(x, y);
        }

        Assert.True(png.HasNear(InCell(png, 2, 3, 0, 0).X, InCell(png, 2, 3, 0, 0).Y, Sk(HeatMapPlot.LowColor), radius: 0, tolerance: 6), $"zero is {Cell(0, 0)}");
        Assert.True(png.HasNear(InCell(png, 2, 3, 0, 2).X, InCell(png, 2, 3, 0, 2).Y, Sk(HeatMapPlot.HighColor), radius: 0, tolerance: 6), $"the maximum is {Cell(0, 2)}");
        Assert.True(png.HasNear(InCell(png, 2, 3, 0, 1).X, InCell(png, 2, 3, 0, 1).Y, Sk(HeatMapPlot.ColorOf(0.5)), radius: 0, tolerance: 6), $"half is {Cell(0, 1)}");
        Assert.True(png.HasNear(InCell(png, 2, 3, 1, 0).X, InCell(png, 2, 3, 1, 0).Y, Sk(HeatMapPlot.SuppressedColor), radius: 0, tolerance: 6), $"suppressed is {Cell(1, 0)}");
        Assert.True(png.HasNear(InCell(png, 2, 3, 1, 2).X, InCell(png, 2, 3, 1, 2).Y, SKColors.White, radius: 0, tolerance: 6), $"no cell is {Cell(1, 2)}");

        // Every shown cell has its own colour, and the suppressed one is none of them.
        var colours = new[] { Cell(0, 0), Cell(0, 1), Cell(0, 2), Cell(1, 0), Cell(1, 1), Cell(1, 2) };
        Assert.Equal(colours.Length, colours.Distinct().Count());

        // The whole suppressed cell is grey (its label aside); the zero cell has no grey at all.
        var (cellWidth, cellHeight) = ((png.DataRight - png.DataLeft) / 3, (png.DataBottom - png.DataTop) / 2);
        var grey = Sk(HeatMapPlot.SuppressedColor);
        Assert.True(png.Count(grey, png.DataLeft, png.DataTop + cellHeight, png.DataLeft + cellWidth, png.DataBottom, tolerance: 12) > cellWidth * cellHeight * 0.8);
        Assert.True(png.Count(grey, png.DataLeft, png.DataTop, png.DataLeft + cellWidth, png.DataTop + cellHeight, tolerance: 12) < cellWidth * cellHeight * 0.02);

        // Labels are printed in the cells (dark text on the light ones).
        Assert.True(png.Ink(png.DataLeft, png.DataTop + cellHeight, png.DataLeft + cellWidth, png.DataBottom) > 50, "no 'suppressed' label");
    }

    [Fact]
    public void A_matrix_that_does_not_match_its_labels_or_holds_a_negative_value_is_refused()
    {
        Assert.Throws<ArgumentException>(() => HeatMapPlot.Render("x", "c", "r", ["a"], ["b", "c"], new double?[1, 1]));
        Assert.Throws<ArgumentException>(() => HeatMapPlot.Render("x", "c", "r", [], [], new double?[0, 0]));
        Assert.Throws<ArgumentException>(() => HeatMapPlot.Render("x", "c", "r", ["a"], ["b"], new double?[,] { { -1 } }));
        Assert.Throws<ArgumentException>(() => HeatMapPlot.Render("x", "c", "r", ["a"], ["b"], new double?[,] { { double.PositiveInfinity } }));
    }
}
