using ScottPlot;

namespace Obscura.Plots;

/// <summary>
/// A privacy–utility curve: an error measure (up) against a privacy setting (across), one line with markers per
/// configuration, on linear axes that start at 0 and fit the data.
/// </summary>
public static class PrivacyUtilityPlot
{
    /// <summary>Renders the curves as a PNG.</summary>
    /// <param name="title">The plot's title.</param>
    /// <param name="privacyAxis">What the X values are, such as "Target re-match probability".</param>
    /// <param name="errorAxis">What the Y values are, such as "Absolute error of the returning share".</param>
    /// <param name="series">One to ten curves; a one-point series is drawn as a marker.</param>
    /// <param name="width">Width in pixels (300 to 8000).</param>
    /// <param name="height">Height in pixels (300 to 8000).</param>
    /// <returns>The PNG file's bytes.</returns>
    /// <exception cref="ArgumentException">No series, more than ten, a series without points or with a non-finite coordinate, or a negative error.</exception>
    public static byte[] Render(string title, string privacyAxis, string errorAxis, IReadOnlyList<NamedSeries> series, int width = 900, int height = 700)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        ArgumentException.ThrowIfNullOrWhiteSpace(privacyAxis);
        ArgumentException.ThrowIfNullOrWhiteSpace(errorAxis);
        Chart.CheckCount(series, nameof(series));
        foreach (var s in series)
        {
            Chart.CheckSeries(s.Name, s.Points, nameof(series));
            if (s.Points.Any(p => p.Y < 0))
            {
                throw new ArgumentException($"Series '{s.Name}': an error is at least 0.", nameof(series));
            }
        }

        var points = series.SelectMany(s => s.Points).ToArray();
        var (left, right) = Span(points.Min(p => p.X), points.Max(p => p.X));
        var top = Math.Max(points.Max(p => p.Y), 1e-9) * 1.1;
        return Chart.Render(width, height, title, privacyAxis, errorAxis, rightAxis: false, plot =>
        {
            for (var i = 0; i < series.Count; i++)
            {
                var curve = plot.Add.Scatter(series[i].Points.Select(p => p.X).ToArray(), series[i].Points.Select(p => p.Y).ToArray(), Chart.Palette[i]);
                curve.LineWidth = 3;
                curve.MarkerSize = 9;
                curve.LegendText = series[i].Name;
            }

            plot.Axes.SetLimits(left, right, 0, top);
            plot.ShowLegend(Alignment.UpperRight);
        });
    }

    /// <summary>The X range: the data's, widened by 5 % each side, or one unit around a single value.</summary>
    private static (double Left, double Right) Span(double min, double max)
    {
        if (max - min < 1e-12)
        {
            return (min - 0.5, max + 0.5);
        }

        var pad = (max - min) * 0.05;
        return (min - pad, max + pad);
    }
}
