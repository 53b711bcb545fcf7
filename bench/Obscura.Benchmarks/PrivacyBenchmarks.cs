using BenchmarkDotNet.Attributes;
using Obscura.Privacy;
using Obscura.Privacy.Local;
using Obscura.Privacy.Sampling;

namespace Obscura.Benchmarks;

/// <summary>
/// Exact noise samplers on the CSPRNG, 1,000 samples per operation (samples/s = 10^6 / mean µs), one core, beside
/// floating-point inverse-CDF Laplace noise on System.Random as a peer (the unsafe method the exact ones replace; it is
/// not in the library). Then decoding 10^7 OLH reports over a domain of 10^4 (ε = 2), beside the former decoder as a
/// peer: 4,096 random (SplitMix) hash functions into round(e^ε) + 1 = 8 buckets, hashing the domain once per seed. That
/// decoder is biased (its pairs of values collide at rates scattered around 1/g) and is benchmark code only.
/// </summary>
public class PrivacyBenchmarks
{
    private const int Batch = 1000;
    private const int FormerSeeds = 4096;
    private const int FormerBuckets = 8;
    private readonly CryptoRandomSource _random = new();
    private readonly Random _unsafe = new(1);
    private OptimizedLocalHashing _olh = null!;
    private HashedReport[] _reports = null!;
    private HashedReport[] _formerReports = null!;

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

    [GlobalSetup(Target = nameof(DecodeFormerOlh))]
    public void SetupFormerOlh()
    {
        var random = new CryptoRandomSource();
        _formerReports = new HashedReport[10_000_000];
        for (var i = 0; i < _formerReports.Length; i++)
        {
            _formerReports[i] = new HashedReport((int)ExactSamplers.UniformBelow(random, (ulong)FormerSeeds), (int)ExactSamplers.UniformBelow(random, (ulong)FormerBuckets));
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

    [Benchmark(Description = "peer: the former (biased) OLH decoder, 10^7 reports, d = 10^4")]
    public double DecodeFormerOlh()
    {
        const int Domain = 10_000;
        var perSeed = new long[FormerSeeds * FormerBuckets];
        foreach (var r in _formerReports)
        {
            perSeed[(r.Seed * FormerBuckets) + r.Value]++;
        }

        var support = new long[Domain];
        for (var seed = 0; seed < FormerSeeds; seed++)
        {
            var row = seed * FormerBuckets;
            for (var v = 0; v < Domain; v++)
            {
                support[v] += perSeed[row + HashFamily.Hash(seed, v, FormerBuckets)];
            }
        }

        return FrequencyOracle.Estimate(support, _formerReports.Length, Math.Exp(2) / (Math.Exp(2) + FormerBuckets - 1), 1.0 / FormerBuckets)[0];
    }
}
