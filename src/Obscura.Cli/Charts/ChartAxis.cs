using System.Globalization;
using Obscura.Biometrics.Evaluation;

namespace Obscura.Cli.Charts;

/// <summary>
/// One axis of a chart: a data value is mapped by <see cref="Map"/> (identity, or the probit for DET plots) onto the
/// axis coordinate, and the visible range is [<see cref="From"/>, <see cref="To"/>] in axis coordinates.
/// </summary>
internal sealed record ChartAxis(string Label, double From, double To, IReadOnlyList<ChartTick> Ticks, Func<double, double> Map)
{
    /// <summary>A linear axis over [from, to] with about five round ticks.</summary>
    public static ChartAxis Linear(string label, double from, double to)
    {
        if (!(to > from))
        {
            to = from + 1;
        }

        var raw = (to - from) / 5;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = magnitude * (raw / magnitude) switch { < 1.5 => 1, < 3.5 => 2, < 7.5 => 5, _ => 10 };
        var ticks = new List<ChartTick>();
        for (var t = Math.Ceiling(from / step) * step; t <= to + (step * 1e-9); t += step)
        {
            var value = Math.Abs(t) < step * 1e-9 ? 0 : t;
            ticks.Add(new ChartTick(value, value.ToString("0.###", CultureInfo.InvariantCulture)));
        }

        return new ChartAxis(label, from, to, ticks, v => v);
    }

    /// <summary>
    /// A normal-deviate (probit) axis for error rates from <paramref name="floor"/> to 50%, with the customary
    /// percentage ticks; rates below the floor (zero included) are drawn at the floor.
    /// </summary>
    public static ChartAxis Probit(string label, double floor)
    {
        double Map(double rate) => StandardNormal.Quantile(Math.Clamp(rate, floor, 0.5));
        ChartTick[] candidates =
        [
            new(0.0001, "0.01%"), new(0.001, "0.1%"), new(0.005, "0.5%"), new(0.01, "1%"), new(0.02, "2%"), new(0.05, "5%"),
            new(0.1, "10%"), new(0.2, "20%"), new(0.4, "40%"),
        ];
        return new ChartAxis(label, Map(floor), Map(0.5), [.. candidates.Where(t => t.At >= floor * 0.999)], Map);
    }
}

/// <summary>A labelled tick at a data value.</summary>
internal sealed record ChartTick(double At, string Text);
