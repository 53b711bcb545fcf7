using System.Globalization;
using ScottPlot;

namespace Obscura.Plots;

/// <summary>
/// A privacy budget's spend over time: the composed ε as a staircase that starts at 0 when the budget was set and
/// steps up at each charged release, against the budget's total ε as a red line. Times are drawn in UTC.
/// </summary>
public static class BudgetSpendPlot
{
    /// <summary>Colour of the spend staircase.</summary>
    internal static readonly Color Spend = Color.FromHex("#1F77B4");

    /// <summary>Colour of the budget line.</summary>
    internal static readonly Color Limit = Color.FromHex("#D62728");

    /// <summary>
    /// Renders the plot as a PNG. With no release charged yet the plot is the budget line over a flat zero staircase
    /// from <paramref name="budgetSetAt"/>: an empty budget is a valid picture, not an error.
    /// </summary>
    /// <param name="title">The plot's title, such as the dataset and purpose.</param>
    /// <param name="budgetSetAt">When the budget was set: the staircase starts there at ε = 0.</param>
    /// <param name="budgetEpsilon">The budget's total ε, above 0.</param>
    /// <param name="spend">The spend after each release, in time order, none before <paramref name="budgetSetAt"/>.</param>
    /// <param name="width">Width in pixels (300 to 8000).</param>
    /// <param name="height">Height in pixels (300 to 8000).</param>
    /// <returns>The PNG file's bytes.</returns>
    /// <exception cref="ArgumentException">A non-finite or non-positive budget, a negative or non-finite spend, or times out of order.</exception>
    public static byte[] Render(string title, DateTimeOffset budgetSetAt, double budgetEpsilon, IReadOnlyList<BudgetSpend> spend, int width = 900, int height = 700)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        ArgumentNullException.ThrowIfNull(spend);
        if (!(budgetEpsilon > 0 && double.IsFinite(budgetEpsilon)))
        {
            throw new ArgumentOutOfRangeException(nameof(budgetEpsilon), budgetEpsilon, "A budget's ε is a finite number above 0.");
        }

        var previous = budgetSetAt;
        for (var i = 0; i < spend.Count; i++)
        {
            if (!(spend[i].EpsilonSpent >= 0 && double.IsFinite(spend[i].EpsilonSpent)) || spend[i].At < previous)
            {
                throw new ArgumentException($"Release {i}: ε spent is finite and at least 0, and releases are in time order after the budget was set.", nameof(spend));
            }

            previous = spend[i].At;
        }

        double[] times = [budgetSetAt.UtcDateTime.ToOADate(), .. spend.Select(s => s.At.UtcDateTime.ToOADate())];
        double[] epsilons = [0, .. spend.Select(s => s.EpsilonSpent)];
        var (start, end) = (times[0], times[^1]);
        var pad = end - start < 1.0 / 1440 ? 1.0 / 1440 : (end - start) * 0.05; // at least a minute each side
        var top = Math.Max(budgetEpsilon, epsilons.Max()) * 1.15;
        return Chart.Render(width, height, title, "Time (UTC)", "ε spent", rightAxis: false, plot =>
        {
            var axis = plot.Axes.DateTimeTicksBottom();
            if (axis.TickGenerator is ScottPlot.TickGenerators.DateTimeAutomatic ticks)
            {
                // ISO dates, not the machine's culture: "03/01" reads differently in London and New York.
                ticks.LabelFormatter = t => t.ToString(t.TimeOfDay == TimeSpan.Zero ? "yyyy-MM-dd" : "yyyy-MM-dd\nHH:mm", CultureInfo.InvariantCulture);
            }

            double[] xs = [.. times, end + pad], ys = [.. epsilons, epsilons[^1]];
            var staircase = plot.Add.Scatter(xs, ys, Spend);
            staircase.ConnectStyle = ConnectStyle.StepHorizontal;
            staircase.LineWidth = 3;
            staircase.MarkerSize = 0;
            staircase.LegendText = string.Create(CultureInfo.InvariantCulture, $"ε spent ({spend.Count} releases)");
            var limit = plot.Add.HorizontalLine(budgetEpsilon, 2, Limit, LinePattern.Dashed);
            limit.LegendText = string.Create(CultureInfo.InvariantCulture, $"Budget ε = {budgetEpsilon:G4}");
            plot.Axes.SetLimits(start - pad, end + pad, 0, top);
            plot.ShowLegend(Alignment.UpperLeft);
        });
    }
}
