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
    /// <summary>The Rényi orders tracked.</summary>
    public static IReadOnlyList<double> Orders { get; } = [1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 8, 12, 16, 24, 32, 48, 64, 128, 256];

    private readonly List<PrivacyCost> _releases = [];

    /// <summary>The releases composed so far.</summary>
    public IReadOnlyList<PrivacyCost> Releases => _releases;

    /// <summary>Adds a release.</summary>
    public void Add(PrivacyCost cost) => _releases.Add(cost ?? throw new ArgumentNullException(nameof(cost)));

    /// <summary>The total when every release is pure; otherwise null.</summary>
    public double? PureEpsilon => _releases.All(r => r is PrivacyCost.Pure) ? Up(_releases.Sum(r => ((PrivacyCost.Pure)r).Epsilon.Value)) : null;

    /// <summary>The total zCDP ρ.</summary>
    public double Rho => Up(_releases.Sum(r => r.AsRho));

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

    private static double Up(double value) => value + (Math.Abs(value) * 1e-12);
}
