namespace Obscura.Privacy.Accounting;

/// <summary>
/// Composes releases and converts the total to (ε, δ)-DP. Pure costs add up exactly; zCDP costs add up (and pure ε
/// counts as ε²/2); Rényi curves add up per order. The (ε, δ) reported is the smallest of three valid conversions:
/// the pure total when every release is pure (δ = 0); ρ + 2√(ρ ln(1/δ)) from zCDP (Bun and Steinke 2016, Prop. 1.3);
/// and the Rényi conversion ε(α) + ln((α − 1)/α) − (ln δ + ln α)/(α − 1), minimised over orders (Canonne, Kamath and
/// Steinke 2020, Prop. 12). Floating point is used here only for accounting, rounded upwards by a relative 1e-12.
/// </summary>
public sealed class PrivacyAccountant
{
    /// <summary>
    /// The Rényi orders tracked: the original grid (1.25 … 256) and every integer from 2 to 64, the integer orders at
    /// which the subsampled Gaussian's Rényi curve has its closed form (Opacus and TF Privacy track 12 … 63 likewise).
    /// </summary>
    public static IReadOnlyList<double> Orders { get; } =
        [.. new double[] { 1.25, 1.5, 1.75, 2.5, 128, 256 }.Concat(Enumerable.Range(2, 63).Select(i => (double)i)).Order()];

    private readonly List<PrivacyCost> _releases = [];

    /// <summary>The releases composed so far.</summary>
    public IReadOnlyList<PrivacyCost> Releases => _releases;

    /// <summary>Adds a release.</summary>
    public void Add(PrivacyCost cost) => _releases.Add(cost ?? throw new ArgumentNullException(nameof(cost)));

    /// <summary>The total when every release is pure; otherwise null.</summary>
    public double? PureEpsilon => _releases.All(r => r is PrivacyCost.Pure) ? Up(_releases.Sum(r => ((PrivacyCost.Pure)r).Epsilon.Value)) : null;

    /// <summary>The total zCDP ρ; +∞ when a release has no finite zCDP bound (a subsampled Gaussian with q &lt; 1).</summary>
    public double Rho => Up(_releases.Sum(r => r.AsRho));

    /// <summary>The (ε, δ) of a single release under the same conversions as <see cref="EpsilonFor(double)"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">δ is not strictly between 0 and 1.</exception>
    public static double EpsilonFor(PrivacyCost cost, double delta)
    {
        var accountant = new PrivacyAccountant();
        accountant.Add(cost);
        return accountant.EpsilonFor(delta);
    }

    /// <summary>The smallest ε for which the composition is (ε, δ)-DP under the conversions above.</summary>
    public double EpsilonFor(double delta)
    {
        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ lies strictly between 0 and 1.");
        }

        if (_releases.Count == 0)
        {
            return 0;
        }

        var rho = Rho;
        var best = rho + (2 * Math.Sqrt(rho * Math.Log(1 / delta)));
        foreach (var alpha in Orders)
        {
            var renyi = _releases.Sum(r => r.RenyiEpsilon(alpha));
            best = Math.Min(best, renyi + Math.Log((alpha - 1) / alpha) - ((Math.Log(delta) + Math.Log(alpha)) / (alpha - 1)));
        }

        if (PureEpsilon is { } pure)
        {
            best = Math.Min(best, pure);
        }

        return Up(Math.Max(best, 0));
    }

    /// <summary>
    /// The tighter of the Rényi conversion (<see cref="EpsilonFor(double)"/>) and the privacy-loss-distribution accountant
    /// (<see cref="PldAccountant"/>), with which one it was. The PLD accountant is applied when the releases include
    /// DP-SGD (a subsampled Gaussian), where Rényi accounting is loosest, and every release has a PLD here (pure or
    /// subsampled Gaussian; zCDP has none); otherwise, or when a PLD does not fit its grid, the Rényi figure stands.
    /// Both are upper bounds on the exact ε, so the smaller one is too.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">δ is not strictly between 0 and 1.</exception>
    public AccountedEpsilon TightestEpsilonFor(double delta)
    {
        var rdp = EpsilonFor(delta);
        if (double.IsNaN(rdp))
        {
            rdp = double.PositiveInfinity; // an undefined bound bounds nothing
        }

        double? pld = _releases.Any(r => r is PrivacyCost.SubsampledGaussian) && _releases.All(PldAccountant.CanAccount)
            ? PldAccountant.TryEpsilonFor(_releases, delta)
            : null;
        return pld is { } p && p < rdp
            ? new AccountedEpsilon(p, AccountingMethod.Pld, rdp, p)
            : new AccountedEpsilon(rdp, AccountingMethod.Rdp, rdp, pld);
    }

    /// <summary>
    /// The smallest noise multiplier σ (to a relative 1e-9) for which <paramref name="steps"/> steps of the
    /// Poisson-subsampled Gaussian at <paramref name="samplingRate"/>, alone, satisfy (<paramref name="targetEpsilon"/>,
    /// <paramref name="delta"/>)-DP by <see cref="EpsilonFor(double)"/>: a bisection on σ, which ε decreases in.
    /// </summary>
    /// <param name="targetEpsilon">The ε to reach; positive and finite.</param>
    /// <param name="delta">δ, strictly between 0 and 1.</param>
    /// <param name="samplingRate">q, in (0, 1].</param>
    /// <param name="steps">T, at least 1.</param>
    /// <returns>σ with <c>EpsilonFor(δ) ≤ targetEpsilon</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range, or the target is below what any σ reaches with the tracked orders.</exception>
    public static double NoiseMultiplierFor(double targetEpsilon, double delta, double samplingRate, long steps)
    {
        if (!(targetEpsilon > 0 && double.IsFinite(targetEpsilon)))
        {
            throw new ArgumentOutOfRangeException(nameof(targetEpsilon), targetEpsilon, "The target ε is positive and finite.");
        }

        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ lies strictly between 0 and 1.");
        }

        _ = new PrivacyCost.SubsampledGaussian(samplingRate, 1, steps); // validates q and T
        double Epsilon(double sigma) => EpsilonFor(new PrivacyCost.SubsampledGaussian(samplingRate, sigma, steps), delta);

        const double Ceiling = 1e6;
        var high = 1.0;
        while (Epsilon(high) > targetEpsilon)
        {
            high *= 2;
            if (high > Ceiling)
            {
                throw new ArgumentOutOfRangeException(nameof(targetEpsilon), targetEpsilon, "No noise multiplier reaches this ε at this δ with the tracked Rényi orders; raise ε or δ.");
            }
        }

        var low = high / 2;
        while (Epsilon(low) <= targetEpsilon && low > 1e-6)
        {
            high = low;
            low /= 2;
        }

        // Invariant: ε(high) ≤ target < ε(low) (or low is negligible).
        while (high - low > high * 1e-9)
        {
            var middle = (low + high) / 2;
            if (Epsilon(middle) <= targetEpsilon)
            {
                high = middle;
            }
            else
            {
                low = middle;
            }
        }

        return high;
    }

    private static double Up(double value) => value + (Math.Abs(value) * 1e-12);
}
