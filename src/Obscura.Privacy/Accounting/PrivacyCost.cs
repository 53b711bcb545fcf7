namespace Obscura.Privacy.Accounting;

/// <summary>The privacy guarantee of one release: pure ε-DP, or ρ-zCDP (Bun and Steinke 2016).</summary>
public abstract record PrivacyCost
{
    private PrivacyCost()
    {
    }

    /// <summary>ε-differential privacy.</summary>
    public sealed record Pure(Rational Epsilon) : PrivacyCost;

    /// <summary>ρ-zero-concentrated differential privacy.</summary>
    public sealed record Zcdp(Rational Rho) : PrivacyCost;

    /// <summary>The cost in zCDP: pure ε-DP implies (ε²/2)-zCDP.</summary>
    public double AsRho => this switch
    {
        Pure p => p.Epsilon.Value * p.Epsilon.Value / 2,
        Zcdp z => z.Rho.Value,
        _ => throw new InvalidOperationException(),
    };

    /// <summary>The Rényi-DP curve ε(α) at order α &gt; 1 (Mironov 2017): zCDP gives αρ; pure ε gives min(ε, αε²/2).</summary>
    public double RenyiEpsilon(double alpha) => this switch
    {
        Pure p => Math.Min(p.Epsilon.Value, alpha * p.Epsilon.Value * p.Epsilon.Value / 2),
        Zcdp z => alpha * z.Rho.Value,
        _ => throw new InvalidOperationException(),
    };
}
