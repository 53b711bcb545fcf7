namespace Obscura.Plots;

/// <summary>One figure of a <see cref="PlotReport"/>: a named number, such as the plaintext EER or an attack's AUC.</summary>
/// <param name="Label">What it is, in words ("EER, plaintext").</param>
/// <param name="Value">The number, finite.</param>
/// <param name="Unit">How to read it: <see cref="RateUnit"/> for a rate in [0, 1] (shown as a percentage), <see cref="CountUnit"/> for a count, or <see langword="null"/> for a plain number.</param>
/// <param name="Headline">Whether the report list shows it.</param>
public sealed record ReportFigure(string Label, double Value, string? Unit, bool Headline)
{
    /// <summary>A rate in [0, 1], shown as a percentage.</summary>
    public const string RateUnit = "rate";

    /// <summary>A whole count.</summary>
    public const string CountUnit = "count";
}
