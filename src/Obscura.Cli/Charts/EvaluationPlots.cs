using System.Globalization;
using Obscura.Biometrics.Evaluation;
using SkiaSharp;

namespace Obscura.Cli.Charts;

/// <summary>The PNG plots of <c>obscura eval</c>: the DET curves and the unlinkability plot.</summary>
internal static class EvaluationPlots
{
    /// <summary>Pixel size of both plots.</summary>
    public const int Width = 900, Height = 700;

    private static readonly (SKColor Color, float Width, bool Dashed)[] Styles =
    [
        (new SKColor(0x1F, 0x77, 0xB4), 7, false),
        (new SKColor(0xFF, 0x7F, 0x0E), 4, false),
        (new SKColor(0x2C, 0xA0, 0x2C), 2, true),
    ];

    /// <summary>
    /// Draws one DET curve per series on normal-deviate axes (FMR across, FNMR up) from the smallest rate the sample
    /// sizes can show to 50%, with the FMR = FNMR diagonal; the legend gives each series' EER. The series are drawn
    /// widest first so that curves that agree stay visible on top of each other.
    /// </summary>
    public static void WriteDet(string path, IReadOnlyList<(string Name, VerificationMetrics Metrics)> series)
    {
        ArgumentOutOfRangeException.ThrowIfZero(series.Count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(series.Count, Styles.Length);
        var fewest = series.Min(s => Math.Min(s.Metrics.GenuineCount, s.Metrics.ImpostorCount));
        var floor = Math.Max(1e-4, 0.5 / fewest);
        using var chart = new ChartCanvas(
            Width,
            Height,
            "DET CURVE",
            ChartAxis.Probit("FALSE MATCH RATE (FMR)", floor),
            ChartAxis.Probit("FALSE NON-MATCH RATE (FNMR)", floor));
        chart.Line([(floor, floor), (0.5, 0.5)], SKColors.Gray, 1, dashed: true);
        for (var i = 0; i < series.Count; i++)
        {
            var (name, metrics) = series[i];
            var eer = metrics.EqualErrorRate().FalseMatchRate;
            chart.Line(
                metrics.DetCurve().Select(p => (p.FalseMatchRate, p.FalseNonMatchRate)),
                Styles[i].Color,
                Styles[i].Width,
                string.Create(CultureInfo.InvariantCulture, $"{name} EER {eer:0.##%}"),
                Styles[i].Dashed);
        }

        chart.SavePng(path);
    }

    /// <summary>
    /// Draws the mated and non-mated score densities across keys as histograms, and the local measure D↔(s) against
    /// the right axis; the title gives D↔sys (Gomez-Barrero et al. 2018, figure style).
    /// </summary>
    public static void WriteUnlinkability(string path, Unlinkability linkage)
    {
        var curve = linkage.Curve;
        var half = curve.Count > 1 ? (curve[1].Score - curve[0].Score) / 2 : 0.5;
        var top = Math.Max(curve.Max(b => Math.Max(b.MatedDensity, b.NonMatedDensity)), 1e-9) * 1.1;
        using var chart = new ChartCanvas(
            Width,
            Height,
            string.Create(CultureInfo.InvariantCulture, $"UNLINKABILITY  D<->SYS = {linkage.System:0.000}"),
            ChartAxis.Linear("SCORE ACROSS KEYS", curve[0].Score - half, curve[^1].Score + half),
            ChartAxis.Linear("PROBABILITY DENSITY", 0, top),
            ChartAxis.Linear("LOCAL D<->(S)", 0, 1));
        chart.Bars(curve.Select(b => (b.Score - half, b.Score + half, b.NonMatedDensity)), new SKColor(0xD6, 0x27, 0x28, 0x80), "NON-MATED");
        chart.Bars(curve.Select(b => (b.Score - half, b.Score + half, b.MatedDensity)), new SKColor(0x2C, 0xA0, 0x2C, 0x80), "MATED");
        chart.Line(curve.Select(b => (b.Score, b.LocalLinkability)), SKColors.Black, 3, "D<->(S)", againstRight: true);
        chart.SavePng(path);
    }
}
