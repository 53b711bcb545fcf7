namespace Obscura.Plots;

/// <summary>
/// The fixed margins around the data area of every plot, in pixels, so that a data value maps to the same pixel on
/// every render (ScottPlot would otherwise size them from the tick labels) and tests can compute where it lands.
/// </summary>
internal static class PlotLayout
{
    /// <summary>Left margin: the left axis' tick labels and title.</summary>
    public const int Left = 100;

    /// <summary>Right margin without a right axis.</summary>
    public const int Right = 40;

    /// <summary>Right margin with a right axis (its tick labels and title).</summary>
    public const int RightWithAxis = 100;

    /// <summary>Top margin: the plot's title.</summary>
    public const int Top = 60;

    /// <summary>Bottom margin: the bottom axis' tick labels and title.</summary>
    public const int Bottom = 80;

    /// <summary>Smallest width or height a plot may be rendered at.</summary>
    public const int MinimumSize = 300;
}
