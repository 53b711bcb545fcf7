using System.Globalization;
using ScottPlot;

namespace Obscura.Plots;

/// <summary>
/// A labelled matrix of values as coloured cells (rows top to bottom, columns left to right), each cell printing its
/// value. A missing value (null) is a <b>suppressed</b> cell: it is drawn in <see cref="SuppressedColor"/> and labelled
/// "suppressed", never coloured or printed as zero; NaN marks a cell that does not exist (such as a zone's flow to
/// itself), drawn white with a dash. Colours run linearly from <see cref="LowColor"/> at 0 to
/// <see cref="HighColor"/> at the largest value shown.
/// </summary>
public static class HeatMapPlot
{
    /// <summary>Colour of a cell whose value is 0 (and of every cell when all values are 0).</summary>
    public static readonly Color LowColor = Color.FromHex("#EFF3FF");

    /// <summary>Colour of the cell holding the largest value.</summary>
    public static readonly Color HighColor = Color.FromHex("#08519C");

    /// <summary>Colour of a suppressed cell: a neutral grey that the blue scale never reaches.</summary>
    public static readonly Color SuppressedColor = Color.FromHex("#BDBDBD");

    /// <summary>The text printed in a suppressed cell.</summary>
    public const string SuppressedLabel = "suppressed";

    /// <summary>Renders the heat map as a PNG.</summary>
    /// <param name="title">The plot's title.</param>
    /// <param name="columnTitle">The bottom axis' title (what the columns are).</param>
    /// <param name="rowTitle">The left axis' title (what the rows are).</param>
    /// <param name="columns">Column labels, left to right.</param>
    /// <param name="rows">Row labels, top to bottom.</param>
    /// <param name="values">values[row, column]: a finite number at least 0, null for a suppressed cell, NaN for no cell.</param>
    /// <param name="format">.NET number format of the printed values (invariant culture).</param>
    /// <param name="width">Width in pixels (300 to 8000).</param>
    /// <param name="height">Height in pixels (300 to 8000).</param>
    /// <returns>The PNG file's bytes.</returns>
    /// <exception cref="ArgumentException">No rows or columns, labels that do not match the matrix, or a negative or non-finite value.</exception>
    public static byte[] Render(string title, string columnTitle, string rowTitle, IReadOnlyList<string> columns, IReadOnlyList<string> rows, double?[,] values, string format = "0.#", int width = 900, int height = 600)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(values);
        if (columns.Count == 0 || rows.Count == 0 || values.GetLength(0) != rows.Count || values.GetLength(1) != columns.Count)
        {
            throw new ArgumentException($"Give at least one row and one column, and a matrix of rows × columns ({rows.Count} × {columns.Count}); got {values.GetLength(0)} × {values.GetLength(1)}.", nameof(values));
        }

        double max = 0;
        foreach (var v in values)
        {
            if (v is { } x && !double.IsNaN(x))
            {
                if (!(x >= 0 && double.IsFinite(x)))
                {
                    throw new ArgumentException("Every shown value is a finite number at least 0 (null marks a suppressed cell).", nameof(values));
                }

                max = Math.Max(max, x);
            }
        }

        return Chart.Render(width, height, title, columnTitle, rowTitle, rightAxis: false, plot =>
        {
            plot.HideGrid();
            for (var r = 0; r < rows.Count; r++)
            {
                var bottom = rows.Count - r - 1;
                for (var c = 0; c < columns.Count; c++)
                {
                    var value = values[r, c];
                    var none = value is { } n && double.IsNaN(n);
                    var fill = none ? Colors.White : value is { } v ? ColorOf(max == 0 ? 0 : v / max) : SuppressedColor;
                    var cell = plot.Add.Rectangle(c, c + 1, bottom, bottom + 1);
                    cell.FillStyle.Color = fill;
                    cell.LineStyle.Color = Colors.White;
                    cell.LineStyle.Width = 2;
                    var text = plot.Add.Text(none ? "–" : value is { } shown ? shown.ToString(format, CultureInfo.InvariantCulture) : SuppressedLabel, c + 0.5, bottom + 0.5);
                    text.LabelAlignment = Alignment.MiddleCenter;
                    text.LabelFontSize = value is null ? 13 : 16;
                    text.LabelFontColor = value is { } d && max > 0 && d / max > 0.5 ? Colors.White : Colors.Black;
                }
            }

            plot.Axes.Bottom.TickGenerator = Chart.Ticks(columns.Select((label, i) => (i + 0.5, label)));
            plot.Axes.Left.TickGenerator = Chart.Ticks(rows.Select((label, i) => (rows.Count - i - 0.5, label)));
            plot.Axes.SetLimits(0, columns.Count, 0, rows.Count);
        });
    }

    /// <summary>The colour of a value at <paramref name="fraction"/> of the largest (0 to 1), interpolated in RGB.</summary>
    internal static Color ColorOf(double fraction)
    {
        fraction = Math.Clamp(fraction, 0, 1);
        static byte Mix(byte a, byte b, double t) => (byte)Math.Round(a + ((b - a) * t));
        return new Color(Mix(LowColor.R, HighColor.R, fraction), Mix(LowColor.G, HighColor.G, fraction), Mix(LowColor.B, HighColor.B, fraction));
    }
}
