namespace Obscura.Biometrics.Evaluation;

/// <summary>One bin of the local unlinkability measure.</summary>
public sealed record LinkageBin(double Score, double MatedDensity, double NonMatedDensity, double LocalLinkability);

/// <summary>
/// Unlinkability of protected templates after Gomez-Barrero et al. (IEEE TIFS 2018, "General framework to evaluate
/// unlinkability in biometric template protection systems"). Mated scores compare templates of the same subject made
/// under different keys; non-mated scores compare different subjects under different keys. From histogram estimates
/// of the two score densities, with likelihood ratio LR(s) = p(s | mated) / p(s | non-mated) and prior ratio ω = 1:
/// the local measure is D↔(s) = 2·LR(s)·ω / (1 + LR(s)·ω) − 1 where LR(s)·ω &gt; 1, else 0. The global measure is
/// D↔sys = ∫ p(s | mated) D↔(s) ds, from 0 (fully unlinkable) to 1 (fully linkable).
/// </summary>
public sealed class Unlinkability
{
    private Unlinkability(IReadOnlyList<LinkageBin> curve, double system)
    {
        Curve = curve;
        System = system;
    }

    /// <summary>D↔(s) per score bin.</summary>
    public IReadOnlyList<LinkageBin> Curve { get; }

    /// <summary>D↔sys.</summary>
    public double System { get; }

    /// <summary>Estimates the measures with <paramref name="bins"/> equal-width bins over the pooled score range.</summary>
    public static Unlinkability Estimate(IReadOnlyCollection<double> matedScores, IReadOnlyCollection<double> nonMatedScores, int bins = 50)
    {
        ArgumentNullException.ThrowIfNull(matedScores);
        ArgumentNullException.ThrowIfNull(nonMatedScores);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 2);
        if (matedScores.Count == 0 || nonMatedScores.Count == 0 || matedScores.Concat(nonMatedScores).Any(s => !double.IsFinite(s)))
        {
            throw new ArgumentException("Both score sets are non-empty and finite.", nameof(matedScores));
        }

        var low = Math.Min(matedScores.Min(), nonMatedScores.Min());
        var high = Math.Max(matedScores.Max(), nonMatedScores.Max());
        var width = high > low ? (high - low) / bins : 1;
        var mated = Histogram(matedScores, low, width, bins);
        var nonMated = Histogram(nonMatedScores, low, width, bins);
        var curve = new LinkageBin[bins];
        var system = 0.0;
        for (var b = 0; b < bins; b++)
        {
            var local = 0.0;
            if (mated[b] > 0 && (nonMated[b] == 0 || mated[b] > nonMated[b]))
            {
                local = nonMated[b] == 0 ? 1 : (2 * (mated[b] / nonMated[b]) / (1 + (mated[b] / nonMated[b]))) - 1;
            }

            curve[b] = new LinkageBin(low + ((b + 0.5) * width), mated[b] / width, nonMated[b] / width, local);
            system += mated[b] * local;
        }

        return new Unlinkability(curve, system);
    }

    /// <summary>Probability mass per bin.</summary>
    private static double[] Histogram(IReadOnlyCollection<double> scores, double low, double width, int bins)
    {
        var counts = new double[bins];
        foreach (var s in scores)
        {
            counts[Math.Clamp((int)((s - low) / width), 0, bins - 1)]++;
        }

        for (var b = 0; b < bins; b++)
        {
            counts[b] /= scores.Count;
        }

        return counts;
    }
}
