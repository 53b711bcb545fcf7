namespace Obscura.Plots;

/// <summary>One DET curve: a system's error rates across its thresholds.</summary>
/// <param name="Name">Legend text, such as "Plaintext"; the legend adds the EER.</param>
/// <param name="Points">(false match rate, false non-match rate) at each threshold, both in [0, 1].</param>
/// <param name="EqualErrorRate">The EER shown in the legend, in [0, 1].</param>
/// <param name="FewestTrials">The smaller of the genuine and impostor comparison counts: the axes reach down to the smallest rate it can show.</param>
public sealed record DetSeries(string Name, IReadOnlyList<DataPoint> Points, double EqualErrorRate, int FewestTrials);
