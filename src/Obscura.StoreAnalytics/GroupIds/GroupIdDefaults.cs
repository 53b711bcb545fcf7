namespace Obscura.StoreAnalytics.GroupIds;

/// <summary>
/// The default group-ID parameters: <see cref="ReMatchModel.Calibrate"/> for a 50 % re-match target on the genuine
/// pairs of the dlib ResNet embeddings of the committed test photos and their changed copies; a test recalibrates and
/// checks these values and the measured re-match rate (docs/store-analytics.md). k = 5 captures per band.
/// At most <see cref="MaxBits"/> bits (at most 256 groups a day); the flips, not extra bits, bring the re-match down to
/// the target. Strangers share a group with probability E[q(θ)^b] over impostor angles, not 2^−b: dlib embeddings of
/// different people are about 1 rad apart, not π/2 (18 % among the three test portraits, see the tests).
/// </summary>
public static class GroupIdDefaults
{
    /// <summary>The target re-match probability (the company's claim in the seed).</summary>
    public const double TargetReMatch = 0.5;

    /// <summary>The most bits the calibration may choose.</summary>
    public const int MaxBits = 8;

    /// <summary>b, p and k.</summary>
    public static GroupIdParameters Parameters { get; } = new(8, 0.0277, 5);
}
