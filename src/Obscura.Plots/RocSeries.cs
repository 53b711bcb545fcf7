namespace Obscura.Plots;

/// <summary>One ROC curve of a membership-inference attack (or any detector).</summary>
/// <param name="Name">Legend text, such as "lira-online  AUC 0.81".</param>
/// <param name="Points">(false positive rate, true positive rate) points, both in [0, 1], in increasing FPR order.</param>
/// <param name="Negatives">Non-members scored: the smallest non-zero FPR is 1 / Negatives.</param>
/// <param name="Positives">Members scored: the smallest non-zero TPR is 1 / Positives.</param>
public sealed record RocSeries(string Name, IReadOnlyList<DataPoint> Points, int Negatives, int Positives);
