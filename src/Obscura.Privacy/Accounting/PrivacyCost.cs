namespace Obscura.Privacy.Accounting;

/// <summary>
/// The privacy guarantee of one release: pure ε-DP, ρ-zCDP (Bun and Steinke 2016), or T steps of the Poisson-subsampled
/// Gaussian mechanism (DP-SGD), which is described by its Rényi-DP curve.
/// </summary>
public abstract partial record PrivacyCost
{
    private PrivacyCost()
    {
    }

    /// <summary>ε-differential privacy.</summary>
    public sealed record Pure(Rational Epsilon) : PrivacyCost;

    /// <summary>ρ-zero-concentrated differential privacy.</summary>
    public sealed record Zcdp(Rational Rho) : PrivacyCost;

    /// <summary>
    /// The cost in zCDP: pure ε-DP implies (ε²/2)-zCDP; T full-batch Gaussian steps (q = 1) are T/(2σ²)-zCDP. A
    /// subsampled Gaussian with q &lt; 1 has no finite zCDP bound in general, so it is +∞ here (and the accountant
    /// falls back on its Rényi curve).
    /// </summary>
    public double AsRho => this switch
    {
        Pure p => p.Epsilon.Value * p.Epsilon.Value / 2,
        Zcdp z => z.Rho.Value,
        SubsampledGaussian g => g.SamplingRate == 1 ? g.Steps / (2 * g.NoiseMultiplier * g.NoiseMultiplier) : double.PositiveInfinity,
        _ => throw new InvalidOperationException(),
    };

    /// <summary>
    /// The Rényi-DP curve ε(α) at order α &gt; 1 (Mironov 2017): zCDP gives αρ; pure ε gives min(ε, αε²/2); the
    /// subsampled Gaussian gives <see cref="SubsampledGaussian.RenyiEpsilonAt"/>. May be +∞ (a trivial bound).
    /// </summary>
    public double RenyiEpsilon(double alpha) => this switch
    {
        Pure p => Math.Min(p.Epsilon.Value, alpha * p.Epsilon.Value * p.Epsilon.Value / 2),
        Zcdp z => alpha * z.Rho.Value,
        SubsampledGaussian g => g.RenyiEpsilonAt(alpha),
        _ => throw new InvalidOperationException(),
    };
}
