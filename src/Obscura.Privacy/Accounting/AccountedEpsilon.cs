namespace Obscura.Privacy.Accounting;

/// <summary>
/// An ε reported for a composition of releases at some δ, with the accountant that produced it and what each accountant
/// gave. Every figure is a valid upper bound on the exact ε; <see cref="Epsilon"/> is the smallest of them.
/// </summary>
/// <param name="Epsilon">The ε reported: the smaller of <paramref name="RdpEpsilon"/> and <paramref name="PldEpsilon"/>.</param>
/// <param name="Method">The accountant that produced <paramref name="Epsilon"/>.</param>
/// <param name="RdpEpsilon">The ε of <see cref="PrivacyAccountant"/> (or the pure sum when <paramref name="Method"/> is <see cref="AccountingMethod.PureSum"/>).</param>
/// <param name="PldEpsilon">The ε of <see cref="PldAccountant"/>, or null when it was not applied.</param>
public readonly record struct AccountedEpsilon(double Epsilon, AccountingMethod Method, double RdpEpsilon, double? PldEpsilon)
{
    /// <summary>The token naming <see cref="Method"/> in ledgers and reports: <c>pure-sum</c>, <c>rdp</c> or <c>pld</c>.</summary>
    public string MethodToken => Method switch
    {
        AccountingMethod.PureSum => "pure-sum",
        AccountingMethod.Pld => "pld",
        _ => "rdp",
    };
}
