namespace Obscura.Privacy.Accounting;

/// <summary>Which accountant produced an ε.</summary>
public enum AccountingMethod
{
    /// <summary>The plain sum of pure ε values (a budget with δ = 0).</summary>
    PureSum,

    /// <summary>
    /// <see cref="PrivacyAccountant.EpsilonFor(double)"/>: Rényi curves (and zCDP, and the pure sum) converted to (ε, δ).
    /// </summary>
    Rdp,

    /// <summary><see cref="PldAccountant"/>: the composed privacy-loss distributions, pessimistically discretised.</summary>
    Pld,
}
