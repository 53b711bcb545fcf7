namespace Obscura.Biometrics.Evaluation;

/// <summary>
/// Scores of a sample of pairs through the deployed 1:1 decision path: a sealed reference and a probe for
/// <see cref="Threshold"/> encrypted as capture does, the comparison service's circuit (seal check, blinding
/// r ∈ 1…4, product, 10-rotation block sum), and the key holder's flooded decryption with a flooding policy chosen as a
/// deployed key's is. Each score is t + margin / r, so it is at or above t exactly when the deployed decision matches.
/// </summary>
/// <param name="Circuit">What was measured, in words, for the report.</param>
/// <param name="Threshold">The threshold t the probes were encrypted for.</param>
/// <param name="PlainGenuine">Plaintext scores of the sampled genuine pairs.</param>
/// <param name="PlainImpostor">Plaintext scores of the sampled impostor pairs.</param>
/// <param name="Genuine">Deployed-path scores of the same genuine pairs.</param>
/// <param name="Impostor">Deployed-path scores of the same impostor pairs.</param>
/// <param name="DecisionNoise">The standard deviation the flooding adds to score − t at blinding 1 (less at larger r).</param>
/// <param name="FloodingSigmaLog2">log2 of the flooding σ in coefficient units.</param>
/// <param name="ErrorBoundLog2">log2 of the calibrated circuit error bound E.</param>
/// <param name="MaxDecryptions">The budget t the flooding was sized for.</param>
public sealed record DeployedPathScores(
    string Circuit,
    double Threshold,
    IReadOnlyList<double> PlainGenuine,
    IReadOnlyList<double> PlainImpostor,
    IReadOnlyList<double> Genuine,
    IReadOnlyList<double> Impostor,
    double DecisionNoise,
    double FloodingSigmaLog2,
    double ErrorBoundLog2,
    long MaxDecryptions)
{
    /// <summary>The largest difference between a deployed-path score and its plaintext score.</summary>
    public double MaxDeviation =>
        PlainGenuine.Zip(Genuine).Concat(PlainImpostor.Zip(Impostor)).Select(p => Math.Abs(p.First - p.Second)).DefaultIfEmpty(0).Max();

    /// <summary>Pairs whose deployed decision at <see cref="Threshold"/> differs from the plaintext one.</summary>
    public int FlippedDecisions =>
        PlainGenuine.Zip(Genuine).Concat(PlainImpostor.Zip(Impostor)).Count(p => (p.First >= Threshold) != (p.Second >= Threshold));
}
