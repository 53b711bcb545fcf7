namespace Obscura.Plots;

/// <summary>One point of a data series, in data units (what each unit is, each plot's series type says).</summary>
/// <param name="X">Across.</param>
/// <param name="Y">Up.</param>
public readonly record struct DataPoint(double X, double Y);
