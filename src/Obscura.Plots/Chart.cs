using ScottPlot;
using ScottPlot.TickGenerators;

namespace Obscura.Plots;

/// <summary>
/// The common frame of every plot: a ScottPlot <see cref="Plot"/> in the embedded font, with fixed margins, a title,
/// axis titles and a legend, rendered to PNG bytes under <see cref="PlotFont.RenderLock"/>.
/// </summary>
internal static class Chart
{
    /// <summary>Series colours (the Category10 palette, first three as the old plots had them).</summary>
    public static readonly Color[] Palette =
    [
        Color.FromHex("#1F77B4"), Color.FromHex("#FF7F0E"), Color.FromHex("#2CA02C"), Color.FromHex("#D62728"), Color.FromHex("#9467BD"),
        Color.FromHex("#8C564B"), Color.FromHex("#E377C2"), Color.FromHex("#7F7F7F"), Color.FromHex("#BCBD22"), Color.FromHex("#17BECF"),
    ];

    /// <summary>Builds a plot with <paramref name="draw"/> and renders it as PNG bytes of the given size.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is below <see cref="PlotLayout.MinimumSize"/> or above 8000 pixels.</exception>
    public static byte[] Render(int width, int height, string title, string xLabel, string yLabel, bool rightAxis, Action<Plot> draw)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, PlotLayout.MinimumSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, PlotLayout.MinimumSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, 8000);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, 8000);
        lock (PlotFont.RenderLock)
        {
            var plot = new Plot();
            plot.Layout.Fixed(new PixelPadding(PlotLayout.Left, rightAxis ? PlotLayout.RightWithAxis : PlotLayout.Right, PlotLayout.Bottom, PlotLayout.Top));
            plot.Title(title, 22);
            plot.Grid.MajorLineColor = Color.FromHex("#DDDDDD");
            plot.Axes.Bottom.TickLabelStyle.FontSize = 14;
            plot.Axes.Left.TickLabelStyle.FontSize = 14;
            plot.Axes.Right.TickLabelStyle.FontSize = 14;
            draw(plot);

            // After drawing: a plot that swaps its bottom axis (time) would otherwise lose the title set on the old one.
            plot.XLabel(xLabel, 17);
            plot.YLabel(yLabel, 17);
            plot.Legend.FontSize = 15;
            plot.Font.Set(PlotFont.FamilyName);
            return plot.GetImageBytes(width, height, ImageFormat.Png);
        }
    }

    /// <summary>Labelled ticks at the given data positions (axis coordinates), with optional unlabelled minor ticks.</summary>
    public static NumericManual Ticks(IEnumerable<(double At, string Label)> major, IEnumerable<double>? minor = null)
    {
        var ticks = new NumericManual();
        foreach (var (at, label) in major)
        {
            ticks.AddMajor(at, label);
        }

        foreach (var at in minor ?? [])
        {
            ticks.AddMinor(at);
        }

        return ticks;
    }

    /// <summary>
    /// Checks a series' name and points: at least one point, every coordinate finite. A single point is drawn as a
    /// marker.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, there are no points, or a coordinate is NaN or infinite.</exception>
    public static void CheckSeries(string name, IReadOnlyList<DataPoint> points, string parameterName)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("Every series has a name (it is the legend's text).", parameterName);
        }

        if (points is null || points.Count == 0)
        {
            throw new ArgumentException($"Series '{name}' has no points: give at least one.", parameterName);
        }

        for (var i = 0; i < points.Count; i++)
        {
            if (!double.IsFinite(points[i].X) || !double.IsFinite(points[i].Y))
            {
                throw new ArgumentException($"Series '{name}' has a non-finite coordinate at point {i}: every X and Y must be a finite number.", parameterName);
            }
        }
    }

    /// <summary>Checks that there is at least one series and at most one per palette colour.</summary>
    /// <exception cref="ArgumentException">There are none, or more than the palette has colours.</exception>
    public static void CheckCount<T>(IReadOnlyList<T> series, string parameterName)
    {
        if (series is null || series.Count == 0)
        {
            throw new ArgumentException("Give at least one series to plot.", parameterName);
        }

        if (series.Count > Palette.Length)
        {
            throw new ArgumentException($"At most {Palette.Length} series fit one plot (one colour each); got {series.Count}.", parameterName);
        }
    }

    /// <summary>Percent text for a rate: 0.001 → "0.1%", 0.5 → "50%".</summary>
    public static string Percent(double rate) => (rate * 100).ToString("0.####", System.Globalization.CultureInfo.InvariantCulture) + "%";
}
