using ScottPlot;

namespace Obscura.Plots;

/// <summary>
/// ROC curves on log–log axes, as Carlini et al. (2022) draw membership-inference attacks: what matters is the true
/// positive rate at a very low false positive rate, which a linear ROC squeezes into its corner. The chance line
/// TPR = FPR and guides at 0.1 % and 1 % FPR are drawn.
/// </summary>
public static class RocPlot
{
    /// <summary>The smallest rate an axis ever reaches down to, however many records were scored.</summary>
    public const double SmallestFloor = 1e-6;

    /// <summary>False positive rates marked with a dotted guide: the 0.1 % and 1 % the audit reports TPR at.</summary>
    private static readonly double[] Guides = [0.001, 0.01];

    /// <summary>
    /// Renders the curves as a PNG. Both axes run from the floor, max(10⁻⁶, 0.5 / the largest count of members or
    /// non-members), to 1 on a log scale; a rate below the floor (zero included) is drawn on the floor.
    /// </summary>
    /// <param name="series">One to ten curves.</param>
    /// <param name="width">Width in pixels (300 to 8000).</param>
    /// <param name="height">Height in pixels (300 to 8000).</param>
    /// <returns>The PNG file's bytes.</returns>
    /// <exception cref="ArgumentException">No series, more than ten, a series without points, a non-finite rate or one outside [0, 1], or a count below 1.</exception>
    public static byte[] Render(IReadOnlyList<RocSeries> series, int width = 900, int height = 700)
    {
        Chart.CheckCount(series, nameof(series));
        foreach (var s in series)
        {
            Chart.CheckSeries(s.Name, s.Points, nameof(series));
            if (s.Negatives < 1 || s.Positives < 1 || s.Points.Any(p => p.X < 0 || p.X > 1 || p.Y < 0 || p.Y > 1))
            {
                throw new ArgumentException($"Series '{s.Name}': rates lie in [0, 1], and at least one member and one non-member were scored.", nameof(series));
            }
        }

        var floor = Floor(series);
        return Chart.Render(width, height, "Membership inference ROC (log scale)", "False positive rate", "True positive rate", rightAxis: false, plot =>
        {
            static double Log(double rate, double floor) => Math.Log10(Math.Max(rate, floor));
            var lowest = (int)Math.Ceiling(Math.Log10(floor) - 1e-9);
            var decades = Enumerable.Range(lowest, -lowest + 1).Select(k => (double)k).ToArray();
            var minor = Enumerable.Range(lowest - 1, -lowest + 1).SelectMany(k => Enumerable.Range(2, 8).Select(m => Math.Log10(m) + k)).Where(v => v >= Math.Log10(floor)).ToArray();
            var labels = decades.Select(d => (d, Chart.Percent(Math.Pow(10, d)))).ToArray();
            plot.Axes.Bottom.TickGenerator = Chart.Ticks(labels, minor);
            plot.Axes.Left.TickGenerator = Chart.Ticks(labels, minor);
            plot.Axes.SetLimits(Math.Log10(floor), 0, Math.Log10(floor), 0);

            var chance = plot.Add.Line(Math.Log10(floor), Math.Log10(floor), 0, 0);
            chance.Color = Colors.Gray;
            chance.LineWidth = 1;
            chance.LinePattern = LinePattern.Dashed;
            chance.LegendText = "Chance (TPR = FPR)";
            foreach (var guide in Guides.Where(g => g > floor))
            {
                var line = plot.Add.VerticalLine(Math.Log10(guide), 1, Colors.DarkGray, LinePattern.Dotted);
                line.ExcludeFromLegend = true;
            }

            for (var i = 0; i < series.Count; i++)
            {
                var s = series[i];
                var curve = plot.Add.Scatter(s.Points.Select(p => Log(p.X, floor)).ToArray(), s.Points.Select(p => Log(p.Y, floor)).ToArray(), Chart.Palette[i]);
                curve.LineWidth = 3;
                curve.MarkerSize = s.Points.Count == 1 ? 10 : 0;
                curve.LegendText = s.Name;
            }

            plot.ShowLegend(Alignment.LowerRight);
        });
    }

    /// <summary>The lowest rate on both axes for these series.</summary>
    internal static double Floor(IReadOnlyList<RocSeries> series) =>
        Math.Max(SmallestFloor, 0.5 / series.Max(s => Math.Max(s.Negatives, s.Positives)));
}
