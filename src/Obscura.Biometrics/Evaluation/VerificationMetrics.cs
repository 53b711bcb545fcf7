namespace Obscura.Biometrics.Evaluation;

/// <summary>Error rates at one threshold: a comparison matches when its score is at least the threshold.</summary>
public sealed record ErrorRates(double Threshold, double FalseMatchRate, double FalseNonMatchRate);

/// <summary>
/// Verification error rates from genuine (mated) and impostor (non-mated) comparison scores: FMR, FNMR at chosen
/// thresholds, and the equal error rate.
/// </summary>
public sealed class VerificationMetrics
{
    private readonly double[] _genuine;
    private readonly double[] _impostor;

    /// <summary>Creates the metrics from two non-empty score sets of finite values.</summary>
    public VerificationMetrics(IEnumerable<double> genuineScores, IEnumerable<double> impostorScores)
    {
        ArgumentNullException.ThrowIfNull(genuineScores);
        ArgumentNullException.ThrowIfNull(impostorScores);
        _genuine = [.. genuineScores.Order()];
        _impostor = [.. impostorScores.Order()];
        if (_genuine.Length == 0 || _impostor.Length == 0 || _genuine.Concat(_impostor).Any(s => !double.IsFinite(s)))
        {
            throw new ArgumentException("Both score sets are non-empty and finite.", nameof(genuineScores));
        }
    }

    /// <summary>Number of genuine comparisons.</summary>
    public int GenuineCount => _genuine.Length;

    /// <summary>Number of impostor comparisons.</summary>
    public int ImpostorCount => _impostor.Length;

    /// <summary>FMR (impostors at or above t) and FNMR (genuines below t).</summary>
    public ErrorRates At(double threshold) =>
        new(threshold, (double)(_impostor.Length - Below(_impostor, threshold)) / _impostor.Length, (double)Below(_genuine, threshold) / _genuine.Length);

    /// <summary>
    /// The equal error rate: over every candidate threshold (each observed score), the one where FMR and FNMR are
    /// closest, reported as their mean.
    /// </summary>
    public ErrorRates EqualErrorRate()
    {
        ErrorRates? best = null;
        foreach (var t in _genuine.Concat(_impostor).Append(double.PositiveInfinity).Distinct())
        {
            var rates = At(t);
            if (best is null || Math.Abs(rates.FalseMatchRate - rates.FalseNonMatchRate) < Math.Abs(best.FalseMatchRate - best.FalseNonMatchRate))
            {
                best = rates;
            }
        }

        var eer = (best!.FalseMatchRate + best.FalseNonMatchRate) / 2;
        return best with { FalseMatchRate = eer, FalseNonMatchRate = eer };
    }

    /// <summary>The DET curve: (FMR, FNMR) at every observed score.</summary>
    public IReadOnlyList<ErrorRates> DetCurve() => [.. _genuine.Concat(_impostor).Distinct().Order().Select(At)];

    private static int Below(double[] sorted, double threshold)
    {
        var index = Array.BinarySearch(sorted, threshold);
        if (index < 0)
        {
            return ~index;
        }

        while (index > 0 && sorted[index - 1] == threshold)
        {
            index--;
        }

        return index;
    }
}
