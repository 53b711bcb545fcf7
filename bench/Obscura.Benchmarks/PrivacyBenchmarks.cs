using BenchmarkDotNet.Attributes;
using Obscura.Privacy;
using Obscura.Privacy.Local;
using Obscura.Privacy.Sampling;

namespace Obscura.Benchmarks;

/// <summary>
/// Exact noise samplers on the CSPRNG, 1,000 samples per operation (samples/s = 10^6 / mean µs), one core, beside
/// floating-point inverse-CDF Laplace noise on System.Random as a peer (the unsafe method the exact ones replace; it is
/// not in the library). Then decoding 10^7 OLH reports over a domain of 10^4.
/// </summary>
public class PrivacyBenchmarks
{
    private const int Batch = 1000;
    private readonly CryptoRandomSource _random = new();
    private readonly Random _unsafe = new(1);
    private OptimizedLocalHashing _olh = null!;
    private HashedReport[] _reports = null!;

    [GlobalSetup(Target = nameof(DecodeOlh))]
    public void SetupOlh()
    {
        _olh = new OptimizedLocalHashing(10_000, 2.0);
        var random = new CryptoRandomSource();
        _reports = new HashedReport[10_000_000];
        for (var i = 0; i < _reports.Length; i++)
        {
            _reports[i] = _olh.Report(i % 10_000, random);
        }
    }

    [Benchmark(Description = "discrete Laplace, scale 10 (×1000)", OperationsPerInvoke = Batch)]
    public long DiscreteLaplace()
    {
        long sum = 0;
        for (var i = 0; i < Batch; i++)
        {
            sum += ExactSamplers.DiscreteLaplace(_random, Rational.Whole(10));
        }

        return sum;
    }

    [Benchmark(Description = "discrete Gaussian, σ² = 100 (×1000)", OperationsPerInvoke = Batch)]
    public long DiscreteGaussian()
    {
        long sum = 0;
        for (var i = 0; i < Batch; i++)
        {
            sum += ExactSamplers.DiscreteGaussian(_random, Rational.Whole(100));
        }

        return sum;
    }

    [Benchmark(Baseline = true, Description = "peer: floating-point Laplace, scale 10 (×1000)", OperationsPerInvoke = Batch)]
    public double FloatingPointLaplace()
    {
        var sum = 0.0;
        for (var i = 0; i < Batch; i++)
        {
            var u = _unsafe.NextDouble() - 0.5;
            sum += -10 * Math.Sign(u) * Math.Log(1 - (2 * Math.Abs(u)));
        }

        return sum;
    }

    [Benchmark(Description = "decode 10^7 OLH reports, d = 10^4")]
    public double DecodeOlh() => _olh.Estimate(_reports)[0];
}
