using Obscura.Privacy.Sampling;

namespace Obscura.Privacy.Local;

/// <summary>A report of optimised local hashing: the user's hash seed and the randomised hash value.</summary>
public readonly record struct HashedReport(int Seed, int Value);

/// <summary>
/// Optimised local hashing (OLH, Wang et al. 2017): each user picks a hash function H_s from a family, hashes the value
/// into g = ⌊e^ε⌉ + 1 buckets, and reports the bucket with k-ary randomised response over g values. ε-LDP. A report
/// (s, y) supports every value v with H_s(v) = y: the true value with probability p = e^ε/(e^ε + g − 1), any other with
/// q = 1/g. Seeds come from a family of <see cref="SeedCount"/> functions, so the decoder hashes the domain once per
/// seed and then counts reports: O(seeds · d + n) instead of O(n · d).
/// </summary>
public sealed class OptimizedLocalHashing
{
    private readonly RandomizedResponse _bucket;

    /// <summary>Creates the randomiser for values 0 … <paramref name="domainSize"/> − 1.</summary>
    public OptimizedLocalHashing(int domainSize, double epsilon, int seedCount = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(domainSize, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(seedCount, 1);
        Epsilon.Check(epsilon);
        DomainSize = domainSize;
        SeedCount = seedCount;
        Buckets = Math.Max(2, (int)Math.Round(Math.Exp(epsilon)) + 1);
        _bucket = new RandomizedResponse(Buckets, epsilon);
    }

    /// <summary>d.</summary>
    public int DomainSize { get; }

    /// <summary>g.</summary>
    public int Buckets { get; }

    /// <summary>Size of the hash family.</summary>
    public int SeedCount { get; }

    /// <summary>p.</summary>
    public double P => _bucket.P;

    /// <summary>q = 1/g.</summary>
    public double Q => 1.0 / Buckets;

    /// <summary>The ε the rounded probabilities give.</summary>
    public double EffectiveEpsilon => _bucket.EffectiveEpsilon;

    /// <summary>The report of <paramref name="value"/>.</summary>
    public HashedReport Report(int value, IRandomSource random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(value, DomainSize);
        var seed = (int)ExactSamplers.UniformBelow(random, (ulong)SeedCount);
        return new HashedReport(seed, _bucket.Report(Hash(seed, value), random));
    }

    /// <summary>Unbiased counts per value.</summary>
    public double[] Estimate(IEnumerable<HashedReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var perSeed = new long[SeedCount * Buckets];
        long n = 0;
        foreach (var r in reports)
        {
            perSeed[(r.Seed * Buckets) + r.Value]++;
            n++;
        }

        var support = new long[DomainSize];
        for (var seed = 0; seed < SeedCount; seed++)
        {
            var row = seed * Buckets;
            for (var v = 0; v < DomainSize; v++)
            {
                support[v] += perSeed[row + Hash(seed, v)];
            }
        }

        return FrequencyOracle.Estimate(support, n, P, Q);
    }

    /// <summary>The variance of a count estimate.</summary>
    public double Variance(long reports, double trueCount) => FrequencyOracle.Variance(reports, trueCount, P, Q);

    /// <summary>H_seed(v) in [0, g).</summary>
    internal int Hash(int seed, int value) => HashFamily.Hash(seed, value, Buckets);
}
