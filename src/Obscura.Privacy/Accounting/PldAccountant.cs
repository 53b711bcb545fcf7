using Obscura.Privacy.Accounting.Internal;

namespace Obscura.Privacy.Accounting;

/// <summary>
/// Privacy accounting by privacy-loss distributions (PLD): tight (ε, δ) for pure-DP releases and for T steps of the
/// Poisson-subsampled Gaussian (DP-SGD), where Rényi accounting (<see cref="PrivacyAccountant"/>) over-reports ε.
/// <para>
/// Each mechanism's exact privacy profile is discretised pessimistically on a grid of losses with spacing
/// <see cref="DefaultInterval"/> ("connect the dots", <see cref="PrivacyLossDistribution"/>), truncated where less than
/// <see cref="DefaultTailMass"/> of probability lies beyond (the upper tail counts in full towards δ), and composed by FFT
/// with the mass that could escape the FFT window and a bound on the floating-point round-off added to δ. So the
/// reported ε is an upper bound on the true ε of the mechanism, never below it.
/// </para>
/// <para>
/// The subsampled Gaussian's profile, for sampling rate q, noise multiplier σ and sensitivity 1, is exact: with
/// remove-one neighbours P = (1 − q)N(0, σ²) + qN(1, σ²) against Q = N(0, σ²), the loss exceeds ε beyond
/// x* = σ² ln((e^ε − 1 + q)/q) + ½ and δ(ε) = qΦ̄((x* − 1)/σ) − (e^ε − 1 + q)Φ̄(x*/σ); with add-one neighbours the pair is
/// swapped. For q = 1 both reduce to the Gaussian mechanism's δ(ε) = Φ(−εσ + 1/(2σ)) − e^εΦ(−εσ − 1/(2σ)) (Balle and
/// Wang 2018).
/// </para>
/// </summary>
public static class PldAccountant
{
    /// <summary>The default spacing of the loss grid, 10^-4 (as in Google's dp_accounting DP-SGD examples).</summary>
    public const double DefaultInterval = 1e-4;

    /// <summary>The probability left beyond each end of a single mechanism's grid, 10^-15.</summary>
    public const double DefaultTailMass = 1e-15;

    /// <summary>Whether <paramref name="cost"/> has a privacy-loss distribution here (pure ε and the subsampled Gaussian; zCDP has none).</summary>
    public static bool CanAccount(PrivacyCost cost) => cost is PrivacyCost.Pure or PrivacyCost.SubsampledGaussian;

    /// <summary>The pessimistic privacy-loss distributions of <paramref name="cost"/>, composed over its steps.</summary>
    /// <param name="cost">A pure or subsampled-Gaussian cost.</param>
    /// <param name="interval">The grid spacing h; smaller is tighter and slower.</param>
    /// <exception cref="ArgumentException">The cost has no PLD here (zCDP), or its grid would exceed <see cref="PrivacyLossDistribution.MaxPoints"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The interval is not positive and finite.</exception>
    public static PrivacyLossPair For(PrivacyCost cost, double interval = DefaultInterval)
    {
        ArgumentNullException.ThrowIfNull(cost);
        if (!(interval > 0 && double.IsFinite(interval)))
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "The grid interval is positive and finite.");
        }

        if (!CanAccount(cost))
        {
            throw new ArgumentException("Only pure-DP and subsampled-Gaussian costs have a privacy-loss distribution here; account zCDP with PrivacyAccountant.", nameof(cost));
        }

        return TryFor(cost, interval) ?? throw new ArgumentException("This cost's privacy-loss distribution does not fit the grid limit at this interval; use a coarser interval or the RDP accountant.", nameof(cost));
    }

    /// <summary>The ε at which <paramref name="cost"/> is (ε, δ)-DP by its PLD, an upper bound on the exact ε.</summary>
    /// <exception cref="ArgumentOutOfRangeException">δ is not strictly between 0 and 1.</exception>
    /// <exception cref="ArgumentException">As <see cref="For"/>.</exception>
    public static double EpsilonFor(PrivacyCost cost, double delta, double interval = DefaultInterval)
    {
        CheckDelta(delta);
        return For(cost, interval).EpsilonFor(delta);
    }

    /// <summary>The δ at which <paramref name="cost"/> is (ε, δ)-DP by its PLD, an upper bound on the exact δ(ε).</summary>
    /// <exception cref="ArgumentOutOfRangeException">ε is negative or not finite.</exception>
    /// <exception cref="ArgumentException">As <see cref="For"/>.</exception>
    public static double DeltaFor(PrivacyCost cost, double epsilon, double interval = DefaultInterval)
    {
        if (!(epsilon >= 0 && double.IsFinite(epsilon)))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε is non-negative and finite.");
        }

        return For(cost, interval).DeltaFor(epsilon);
    }

    /// <summary>
    /// The ε of the composition of <paramref name="costs"/> by their PLDs, or null when one has none here (zCDP) or
    /// does not fit the grid: the caller then relies on Rényi accounting alone.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">δ is not strictly between 0 and 1.</exception>
    public static double? TryEpsilonFor(IEnumerable<PrivacyCost> costs, double delta, double interval = DefaultInterval)
    {
        ArgumentNullException.ThrowIfNull(costs);
        CheckDelta(delta);
        PrivacyLossPair? total = null;
        foreach (var cost in costs)
        {
            if (TryFor(cost, interval) is not { } pair)
            {
                return null;
            }

            try
            {
                total = total is null ? pair : total.Compose(pair);
            }
            catch (ArgumentException)
            {
                return null;
            }
        }

        return total?.EpsilonFor(delta) ?? 0;
    }

    /// <summary>
    /// The smallest noise multiplier σ (to a relative 10^-6) for which <paramref name="steps"/> steps of the
    /// Poisson-subsampled Gaussian at <paramref name="samplingRate"/> are (<paramref name="targetEpsilon"/>,
    /// <paramref name="delta"/>)-DP by their PLD: a bracketing search on σ, which ε decreases in (regula falsi with
    /// bisection steps, started from the Rényi σ).
    /// </summary>
    /// <param name="targetEpsilon">The ε to reach; positive and finite.</param>
    /// <param name="delta">δ, strictly between 0 and 1.</param>
    /// <param name="samplingRate">q, in (0, 1].</param>
    /// <param name="steps">T, at least 1.</param>
    /// <param name="interval">The grid spacing h.</param>
    /// <returns>σ with <c>EpsilonFor(new SubsampledGaussian(q, σ, T), δ) ≤ targetEpsilon</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range, or no σ up to 10^6 reaches the target.</exception>
    public static double NoiseMultiplierFor(double targetEpsilon, double delta, double samplingRate, long steps, double interval = DefaultInterval)
    {
        if (!(targetEpsilon > 0 && double.IsFinite(targetEpsilon)))
        {
            throw new ArgumentOutOfRangeException(nameof(targetEpsilon), targetEpsilon, "The target ε is positive and finite.");
        }

        CheckDelta(delta);
        _ = new PrivacyCost.SubsampledGaussian(samplingRate, 1, steps); // validates q and T
        double Epsilon(double sigma) =>
            TryFor(new PrivacyCost.SubsampledGaussian(samplingRate, sigma, steps), interval)?.EpsilonFor(delta) ?? double.PositiveInfinity;

        // Bracket from the Rényi σ, which the PLD's usually undercuts by a few per cent.
        const double Ceiling = 1e6;
        double high;
        try
        {
            high = PrivacyAccountant.NoiseMultiplierFor(targetEpsilon, delta, samplingRate, steps);
        }
        catch (ArgumentOutOfRangeException)
        {
            high = 1;
        }

        var highEpsilon = Epsilon(high);
        while (highEpsilon > targetEpsilon)
        {
            high *= 2;
            if (high > Ceiling)
            {
                throw new ArgumentOutOfRangeException(nameof(targetEpsilon), targetEpsilon, "No noise multiplier up to 10^6 reaches this ε at this δ; raise ε or δ.");
            }

            highEpsilon = Epsilon(high);
        }

        var low = high * 0.8;
        var lowEpsilon = Epsilon(low);
        while (lowEpsilon <= targetEpsilon && low > 1e-3)
        {
            (high, highEpsilon) = (low, lowEpsilon);
            low /= 2;
            lowEpsilon = Epsilon(low);
        }

        // Invariant: ε(high) ≤ target < ε(low). Regula falsi with the Illinois modification (the retained end's excess
        // is halved when the same end is kept twice), and a bisection step whenever the bracket fails to halve, so it
        // converges superlinearly where ε(σ) is smooth and never slower than bisection.
        double lowExcess = lowEpsilon - targetEpsilon, highExcess = highEpsilon - targetEpsilon;
        var kept = 0;
        while (high - low > high * 1e-6)
        {
            var width = high - low;
            var middle = double.IsFinite(lowExcess) && lowExcess > highExcess
                ? high - (highExcess * (high - low) / (highExcess - lowExcess))
                : (low + high) / 2;
            if (!(middle > low && middle < high))
            {
                middle = (low + high) / 2;
            }

            var excess = Epsilon(middle) - targetEpsilon;
            if (excess <= 0)
            {
                (high, highExcess) = (middle, excess);
                lowExcess = kept < 0 ? lowExcess / 2 : lowExcess;
                kept = kept < 0 ? kept - 1 : -1;
            }
            else
            {
                (low, lowExcess) = (middle, excess);
                highExcess = kept > 0 ? highExcess / 2 : highExcess;
                kept = kept > 0 ? kept + 1 : 1;
            }

            if (high - low > width / 2 && Math.Abs(kept) >= 3)
            {
                var half = (low + high) / 2;
                var halfExcess = Epsilon(half) - targetEpsilon;
                if (halfExcess <= 0)
                {
                    (high, highExcess) = (half, halfExcess);
                }
                else
                {
                    (low, lowExcess) = (half, halfExcess);
                }

                kept = 0;
            }
        }

        return high;
    }

    /// <summary>The PLD pair of one cost, or null when it has none here or does not fit the grid.</summary>
    internal static PrivacyLossPair? TryFor(PrivacyCost cost, double interval)
    {
        try
        {
            switch (cost)
            {
                case PrivacyCost.Pure p:
                    {
                        var epsilon = p.Epsilon.Value;
                        if (epsilon == 0)
                        {
                            return Single(e => -AccurateMath.ExpM1(Math.Min(e, 0)), e => e < 0 ? 0 : 1, interval) is { } z ? new(z, z) : null;
                        }

                        var single = Single(e => PureProfile(epsilon, e), e => e < -epsilon ? 0 : e < epsilon ? 1 / (1 + Math.Exp(epsilon)) : 1, interval);
                        return single is null ? null : new(single, single);
                    }

                case PrivacyCost.SubsampledGaussian g:
                    {
                        var remove = Single(e => RemoveProfile(g.SamplingRate, g.NoiseMultiplier, e), e => RemoveMassAtOrBelow(g.SamplingRate, g.NoiseMultiplier, e), interval);
                        var add = Single(e => AddProfile(g.SamplingRate, g.NoiseMultiplier, e), e => AddMassAtOrBelow(g.SamplingRate, g.NoiseMultiplier, e), interval);
                        return remove is null || add is null ? null : new PrivacyLossPair(remove, add).ComposeSelf(g.Steps);
                    }

                default:
                    return null;
            }
        }
        catch (Exception ex) when (ex is ArgumentException or OverflowException)
        {
            return null; // beyond the grid limit, or T·(grid index) overflows: Rényi accounting still applies
        }
    }

    /// <summary>The exact δ(ε) of the subsampled Gaussian with remove-one neighbours (P the mixture, Q the null Gaussian).</summary>
    internal static double RemoveProfile(double q, double sigma, double epsilon)
    {
        var floor = q < 1 ? AccurateMath.LogP1(-q) : double.NegativeInfinity;
        if (epsilon <= floor)
        {
            return -AccurateMath.ExpM1(epsilon);
        }

        var w = AccurateMath.ExpM1(epsilon) + q; // e^ε − (1 − q) > 0
        if (!(w > 0))
        {
            return -AccurateMath.ExpM1(epsilon);
        }

        var x = (sigma * sigma * (Math.Log(w) - Math.Log(q))) + 0.5;
        if ((x - 1) / sigma > 39)
        {
            return 0;
        }

        return Math.Clamp((q * StandardNormal.Survival((x - 1) / sigma)) - (w * StandardNormal.Survival(x / sigma)), 0, 1);
    }

    /// <summary>P(loss ≤ ε) under the mixture, with remove-one neighbours.</summary>
    internal static double RemoveMassAtOrBelow(double q, double sigma, double epsilon)
    {
        var floor = q < 1 ? AccurateMath.LogP1(-q) : double.NegativeInfinity;
        var w = AccurateMath.ExpM1(epsilon) + q;
        if (epsilon <= floor || !(w > 0))
        {
            return 0;
        }

        var x = (sigma * sigma * (Math.Log(w) - Math.Log(q))) + 0.5;
        return ((1 - q) * StandardNormal.Cdf(x / sigma)) + (q * StandardNormal.Cdf((x - 1) / sigma));
    }

    /// <summary>The exact δ(ε) of the subsampled Gaussian with add-one neighbours (P the null Gaussian, Q the mixture).</summary>
    internal static double AddProfile(double q, double sigma, double epsilon)
    {
        var ceiling = q < 1 ? -AccurateMath.LogP1(-q) : double.PositiveInfinity;
        if (epsilon >= ceiling)
        {
            return 0;
        }

        var u = q < 1 ? -AccurateMath.ExpM1(epsilon + AccurateMath.LogP1(-q)) : 1; // 1 − e^ε(1 − q) > 0
        var x = (sigma * sigma * (Math.Log(u) - epsilon - Math.Log(q))) + 0.5;
        if (x / sigma < -39)
        {
            return 0;
        }

        return Math.Clamp((u * StandardNormal.Cdf(x / sigma)) - (Math.Exp(epsilon) * q * StandardNormal.Cdf((x - 1) / sigma)), 0, 1);
    }

    /// <summary>P(loss ≤ ε) under the null Gaussian, with add-one neighbours.</summary>
    internal static double AddMassAtOrBelow(double q, double sigma, double epsilon)
    {
        var ceiling = q < 1 ? -AccurateMath.LogP1(-q) : double.PositiveInfinity;
        if (epsilon >= ceiling)
        {
            return 1;
        }

        var u = q < 1 ? -AccurateMath.ExpM1(epsilon + AccurateMath.LogP1(-q)) : 1;
        var x = (sigma * sigma * (Math.Log(u) - epsilon - Math.Log(q))) + 0.5;
        return StandardNormal.Survival(x / sigma);
    }

    /// <summary>The profile of pure ε₀-DP, that of randomised response: (e^ε₀ − e^ε)₊/(1 + e^ε₀) above −ε₀, 1 − e^ε below.</summary>
    internal static double PureProfile(double epsilon0, double epsilon) =>
        epsilon >= epsilon0 ? 0
        : epsilon >= -epsilon0 ? -AccurateMath.ExpM1(epsilon - epsilon0) / (1 + Math.Exp(-epsilon0))
        : -AccurateMath.ExpM1(epsilon);

    private static PrivacyLossDistribution? Single(Func<double, double> profile, Func<double, double> massAtOrBelow, double interval) =>
        PrivacyLossDistribution.GridFor(profile, massAtOrBelow, interval, DefaultTailMass) is { } grid
            ? PrivacyLossDistribution.FromProfile(profile, interval, grid.Lowest, grid.Highest)
            : null;

    private static void CheckDelta(double delta)
    {
        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ lies strictly between 0 and 1.");
        }
    }
}
