using System.Globalization;
using ScottPlot;

namespace Obscura.Plots;

/// <summary>
/// One value per time slot over a day (such as the queue length at a till) as a line against the time of day. A
/// suppressed slot (null) breaks the line and is shaded in <see cref="SuppressedColor"/> over the whole height, so it
/// can never be read as a zero.
/// </summary>
public static class SlotPlot
{
    /// <summary>Colour of the line.</summary>
    public static readonly Color LineColor = Color.FromHex("#1F77B4");

    /// <summary>Colour of the shading over a suppressed slot.</summary>
    public static readonly Color SuppressedColor = Color.FromHex("#BDBDBD");

    /// <summary>Renders the plot as a PNG.</summary>
    /// <param name="title">The plot's title.</param>
    /// <param name="valueTitle">The left axis' title (what the values are).</param>
    /// <param name="values">One entry per slot, in time order, minutes distinct; null values are suppressed slots.</param>
    /// <param name="slotMinutes">The length of a slot in minutes (1 to 1440): a suppressed slot is shaded this wide.</param>
    /// <param name="width">Width in pixels (300 to 8000).</param>
    /// <param name="height">Height in pixels (300 to 8000).</param>
    /// <returns>The PNG file's bytes.</returns>
    /// <exception cref="ArgumentException">No slots, minutes out of order or outside the day, or a negative or non-finite value.</exception>
    public static byte[] Render(string title, string valueTitle, IReadOnlyList<SlotValue> values, int slotMinutes, int width = 900, int height = 500)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(slotMinutes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slotMinutes, 1440);
        if (values.Count == 0)
        {
            throw new ArgumentException("Give at least one slot.", nameof(values));
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (values[i].Minute is < 0 or >= 1440 || (i > 0 && values[i].Minute <= values[i - 1].Minute) || values[i].Value is { } v && !(v >= 0 && double.IsFinite(v)))
            {
                throw new ArgumentException($"Slot {i}: minutes are within the day and increasing, values finite and at least 0 (null marks a suppressed slot).", nameof(values));
            }
        }

        var (left, right) = (values[0].Minute, values[^1].Minute + slotMinutes);
        var top = Math.Max(1, values.Max(s => s.Value ?? 0)) * 1.15;
        return Chart.Render(width, height, title, "Time of day (store-local)", valueTitle, rightAxis: false, plot =>
        {
            foreach (var slot in values.Where(s => s.Value is null))
            {
                var shade = plot.Add.HorizontalSpan(slot.Minute, slot.Minute + slotMinutes, SuppressedColor);
                shade.LineStyle.Width = 0;
            }

            // Each run of published slots is its own line, drawn at the slot's middle.
            var run = new List<SlotValue>();
            void Flush()
            {
                if (run.Count > 0)
                {
                    var line = plot.Add.Scatter(run.Select(s => s.Minute + (slotMinutes / 2.0)).ToArray(), run.Select(s => s.Value!.Value).ToArray(), LineColor);
                    line.LineWidth = 3;
                    line.MarkerSize = run.Count == 1 ? 8 : 0;
                    run.Clear();
                }
            }

            foreach (var slot in values)
            {
                if (slot.Value is null)
                {
                    Flush();
                }
                else
                {
                    run.Add(slot);
                }
            }

            Flush();
            var step = (right - left) switch { <= 120 => 15, <= 360 => 60, _ => 120 };
            var first = (left + step - 1) / step * step;
            plot.Axes.Bottom.TickGenerator = Chart.Ticks(Enumerable.Range(0, ((right - first) / step) + 1).Select(i => first + (i * step)).Select(m => ((double)m, string.Create(CultureInfo.InvariantCulture, $"{m / 60:00}:{m % 60:00}"))));
            plot.Axes.SetLimits(left, right, 0, top);
            if (values.Any(s => s.Value is null))
            {
                plot.Legend.ManualItems.Add(new LegendItem { LabelText = "suppressed (below k)", FillColor = SuppressedColor });
                plot.ShowLegend(Alignment.UpperRight);
            }
        });
    }
}
