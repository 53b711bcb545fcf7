using BenchmarkDotNet.Attributes;
using Obscura.Privacy.Accounting;

namespace Obscura.Benchmarks;

/// <summary>
/// DP-SGD accounting for the MNIST example of Abadi et al. and the Opacus tutorials: q = 256/60000, σ = 1.1,
/// T = ⌊60/q⌋ = 14,062 steps, δ = 10^-5. The privacy-loss-distribution accountant (grid 10^-4, both neighbour
/// directions; ε = 2.382) beside the Rényi accountant as a peer (ε = 2.597), and a σ calibration by each for ε = 3.
/// </summary>
public class AccountingBenchmarks
{
    private const double Q = 256.0 / 60000;
    private const long Steps = 14062;
    private static readonly PrivacyCost Cost = new PrivacyCost.SubsampledGaussian(Q, 1.1, Steps);

    [Benchmark(Description = "PLD ε(δ), MNIST example (14,062 steps)")]
    public double PldEpsilon() => PldAccountant.EpsilonFor(Cost, 1e-5);

    [Benchmark(Baseline = true, Description = "peer: RDP ε(δ), MNIST example")]
    public double RdpEpsilon() => PrivacyAccountant.EpsilonFor(Cost, 1e-5);

    [Benchmark(Description = "PLD σ for ε = 3, MNIST example")]
    public double PldCalibration() => PldAccountant.NoiseMultiplierFor(3, 1e-5, Q, Steps);

    [Benchmark(Description = "peer: RDP σ for ε = 3, MNIST example")]
    public double RdpCalibration() => PrivacyAccountant.NoiseMultiplierFor(3, 1e-5, Q, Steps);
}
