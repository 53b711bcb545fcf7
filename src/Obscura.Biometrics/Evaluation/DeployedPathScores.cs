namespace Obscura.Biometrics.Evaluation;

/// <summary>
/// Decisions on a sample of pairs through the deployed 1:1 decision path: a sealed reference and a probe for
/// <see cref="Threshold"/> encrypted as capture does, the comparison service's exact circuit and blinding, and the key
/// holder's exact decryption. The path reveals only match or no match, so each pair has a decision, not a score; it is
/// compared with the plaintext decision and with the decision on the quantised integers the scheme computes on.
/// </summary>
/// <param name="Circuit">What was measured, in words, for the report.</param>
/// <param name="Threshold">The threshold t the probes were encrypted for.</param>
/// <param name="PlainGenuine">Plaintext scores of the sampled genuine pairs.</param>
/// <param name="PlainImpostor">Plaintext scores of the sampled impostor pairs.</param>
/// <param name="QuantisedGenuine">Scores of the same genuine pairs on the quantised integers (cosine units).</param>
/// <param name="QuantisedImpostor">Scores of the same impostor pairs on the quantised integers.</param>
/// <param name="Genuine">The deployed path's decisions on the genuine pairs.</param>
/// <param name="Impostor">The deployed path's decisions on the impostor pairs.</param>
public sealed record DeployedPathScores(
    string Circuit,
    double Threshold,
    IReadOnlyList<double> PlainGenuine,
    IReadOnlyList<double> PlainImpostor,
    IReadOnlyList<double> QuantisedGenuine,
    IReadOnlyList<double> QuantisedImpostor,
    IReadOnlyList<bool> Genuine,
    IReadOnlyList<bool> Impostor)
{
    /// <summary>Pairs whose deployed decision differs from the decision on the quantised integers (exactness: always 0).</summary>
    public int DecisionsDifferingFromQuantised =>
        QuantisedGenuine.Zip(Genuine).Concat(QuantisedImpostor.Zip(Impostor)).Count(p => (p.First >= Threshold) != p.Second);

    /// <summary>Pairs whose deployed decision differs from the plaintext one (quantisation, near the threshold only).</summary>
    public int FlippedDecisions =>
        PlainGenuine.Zip(Genuine).Concat(PlainImpostor.Zip(Impostor)).Count(p => (p.First >= Threshold) != p.Second);
}
