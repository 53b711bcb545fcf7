using System.Globalization;
using ScottPlot;

namespace Obscura.Plots;

/// <summary>
/// The unlinkability plot of Gomez-Barrero et al. (2018): mated and non-mated score densities across keys as
/// histograms (left axis), the local measure D↔(s) as a line (right axis, 0 to 1), and the global D↔sys in the title.
/// </summary>
public static class UnlinkabilityPlot
{
    /// <summary>Non-mated histogram colour (translucent red).</summary>
    internal static readonly Color NonMated = Color.FromHex("#D62728").WithAlpha(128);

    /// <summary>Mated histogram colour (translucent green).</summary>
    internal static readonly Color Mated = Color.FromHex("#2CA02C").WithAlpha(128);

    /// <summary>
    /// Renders the plot as a PNG. Bins are evenly spaced (the width of each bar is the distance between the first two
    /// centres; one bin is drawn one unit wide).
    /// </summary>
    /// <param name="bins">The bins in increasing score order; at least one.</param>
    /// <param name="systemLinkability">D↔sys, in [0, 1].</param>
    /// <param name="width">Width in pixels (300 to 8000).</param>
    /// <param name="height">Height in pixels (300 to 8000).</param>
    /// <returns>The PNG file's bytes.</returns>
    /// <exception cref="ArgumentException">No bins, a non-finite value, a negative density, a local measure or D↔sys outside [0, 1], or scores not increasing.</exception>
    public static byte[] Render(IReadOnlyList<UnlinkabilityBin> bins, double systemLinkability, int width = 900, int height = 700)
    {
        if (bins is null || bins.Count == 0)
        {
            throw new ArgumentException("Give at least one score bin.", nameof(bins));
        }

        for (var i = 0; i < bins.Count; i++)
        {
            var b = bins[i];
            if (!double.IsFinite(b.Score) || !(b.MatedDensity >= 0 && double.IsFinite(b.MatedDensity)) || !(b.NonMatedDensity >= 0 && double.IsFinite(b.NonMatedDensity))
                || !(b.LocalLinkability is >= 0 and <= 1) || (i > 0 && !(b.Score > bins[i - 1].Score)))
            {
                throw new ArgumentException($"Bin {i}: scores are finite and increasing, densities finite and at least 0, D↔(s) in [0, 1].", nameof(bins));
            }
        }

        if (!(systemLinkability is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(systemLinkability), systemLinkability, "D↔sys lies in [0, 1].");
        }

        var half = bins.Count > 1 ? (bins[1].Score - bins[0].Score) / 2 : 0.5;
        var top = Math.Max(bins.Max(b => Math.Max(b.MatedDensity, b.NonMatedDensity)), 1e-9) * 1.1;
        var title = string.Create(CultureInfo.InvariantCulture, $"Unlinkability   D↔sys = {systemLinkability:0.000}");
        return Chart.Render(width, height, title, "Score across keys", "Probability density", rightAxis: true, plot =>
        {
            Histogram(plot, bins, half, b => b.NonMatedDensity, NonMated, "Non-mated");
            Histogram(plot, bins, half, b => b.MatedDensity, Mated, "Mated");
            var local = plot.Add.Scatter(bins.Select(b => b.Score).ToArray(), bins.Select(b => b.LocalLinkability).ToArray(), Colors.Black);
            local.LineWidth = 3;
            local.MarkerSize = bins.Count == 1 ? 10 : 0;
            local.LegendText = "D↔(s)";
            local.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "Local D↔(s)";
            plot.Axes.Right.Label.FontSize = 17;
            plot.Axes.SetLimitsX(bins[0].Score - half, bins[^1].Score + half);
            plot.Axes.SetLimitsY(0, top, plot.Axes.Left);
            plot.Axes.SetLimitsY(0, 1, plot.Axes.Right);
            plot.ShowLegend(Alignment.UpperRight);
        });
    }

    private static void Histogram(Plot plot, IReadOnlyList<UnlinkabilityBin> bins, double half, Func<UnlinkabilityBin, double> density, Color color, string legend)
    {
        var bars = plot.Add.Bars(bins.Select(b => new Bar { Position = b.Score, Value = density(b), Size = 2 * half, FillColor = color, LineWidth = 0 }).ToList());
        bars.LegendText = legend;
        bars.Color = color;
    }
}
