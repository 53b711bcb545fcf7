using System.Globalization;
using ScottPlot;

namespace Obscura.Plots;

/// <summary>
/// DET curves (ISO/IEC 19795-1): false non-match rate against false match rate, both on normal-deviate (probit) axes
/// from the smallest rate the sample sizes can show up to 50 %, with the FMR = FNMR diagonal.
/// </summary>
public static class DetPlot
{
    /// <summary>The smallest rate an axis ever reaches down to, however many trials there are.</summary>
    public const double SmallestFloor = 1e-4;

    /// <summary>The largest rate on both axes.</summary>
    public const double Ceiling = 0.5;

    private static readonly double[] TickRates = [0.0001, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4];

    /// <summary>
    /// Renders the curves as a PNG. Each axis runs from max(10⁻⁴, 0.5 / fewest trials) to 50 %; a rate below that
    /// floor (zero included) is drawn on the floor, and a rate above 50 % leaves the frame. The series are drawn widest
    /// first (7, 4, then 2 pixels; the third on dashed), so curves that agree stay visible on top of each other; the
    /// legend gives each series' EER.
    /// </summary>
    /// <param name="series">One to ten curves.</param>
    /// <param name="width">Width in pixels (300 to 8000).</param>
    /// <param name="height">Height in pixels (300 to 8000).</param>
    /// <returns>The PNG file's bytes.</returns>
    /// <exception cref="ArgumentException">No series, more than ten, a series without points, a non-finite or negative rate, or fewer than one trial.</exception>
    public static byte[] Render(IReadOnlyList<DetSeries> series, int width = 900, int height = 700)
    {
        Chart.CheckCount(series, nameof(series));
        foreach (var s in series)
        {
            Chart.CheckSeries(s.Name, s.Points, nameof(series));
            if (s.FewestTrials < 1 || s.Points.Any(p => p.X < 0 || p.X > 1 || p.Y < 0 || p.Y > 1) || !(s.EqualErrorRate is >= 0 and <= 1))
            {
                throw new ArgumentException($"Series '{s.Name}': error rates and the EER lie in [0, 1], and there is at least one trial.", nameof(series));
            }
        }

        var floor = Math.Max(SmallestFloor, 0.5 / series.Min(s => s.FewestTrials));
        return Chart.Render(width, height, "DET curve", "False match rate (FMR)", "False non-match rate (FNMR)", rightAxis: false, plot =>
        {
            double Axis(double rate) => NormalDeviate.Of(Math.Clamp(rate, floor, 1 - floor));
            var ticks = TickRates.Where(t => t >= floor * 0.999).Select(t => (Axis(t), Chart.Percent(t))).ToArray();
            plot.Axes.Bottom.TickGenerator = Chart.Ticks(ticks);
            plot.Axes.Left.TickGenerator = Chart.Ticks(ticks);
            plot.Axes.SetLimits(Axis(floor), Axis(Ceiling), Axis(floor), Axis(Ceiling));

            var diagonal = plot.Add.Line(Axis(floor), Axis(floor), Axis(Ceiling), Axis(Ceiling));
            diagonal.Color = Colors.Gray;
            diagonal.LineWidth = 1;
            diagonal.LinePattern = LinePattern.Dashed;
            for (var i = 0; i < series.Count; i++)
            {
                var s = series[i];
                var curve = plot.Add.Scatter(s.Points.Select(p => Axis(p.X)).ToArray(), s.Points.Select(p => Axis(p.Y)).ToArray(), Chart.Palette[i]);
                curve.LineWidth = Math.Max(2, 7 - (3 * i));
                curve.LinePattern = i >= 2 ? LinePattern.Dashed : LinePattern.Solid;
                curve.MarkerSize = s.Points.Count == 1 ? 10 : 0;
                curve.LegendText = string.Create(CultureInfo.InvariantCulture, $"{s.Name}  EER {Chart.Percent(Math.Round(s.EqualErrorRate, 4))}");
            }

            plot.ShowLegend(Alignment.UpperRight);
        });
    }
}
