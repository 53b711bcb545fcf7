namespace Obscura.Plots;

/// <summary>A named series of points on linear axes.</summary>
/// <param name="Name">Legend text.</param>
/// <param name="Points">The points, in the order they are joined.</param>
public sealed record NamedSeries(string Name, IReadOnlyList<DataPoint> Points);
