using System.Numerics;
using Obscura.Privacy.Sampling;

namespace Obscura.Privacy.Local;

/// <summary>A report of optimised local hashing: the user's hash seed and the randomised hash value.</summary>
public readonly record struct HashedReport(int Seed, int Value);

/// <summary>
/// Optimised local hashing (OLH, Wang et al. 2017): each user picks a hash function H_s uniformly from a public family,
/// hashes the value into g buckets, and reports (s, y) where y is the bucket after k-ary randomised response over the g
/// buckets. ε-LDP: the report's probability changes by at most p/q′ = e^ε between any two values.
/// <para>
/// A report supports every value v with H_s(v) = y: the true value with probability p = e^ε/(e^ε + g − 1), any other
/// with q′ + c·(p − q′), where q′ = (1 − p)/(g − 1) and c is the fraction of the family on which the two values collide.
/// The family is every linear map F_g^k → F_g with g prime, on which c = 1/g exactly for every pair of values, so the
/// support probability of another value is exactly q = 1/g and the decoder ĉ_v = (support_v − n/g)/(p − 1/g) is exactly
/// unbiased. g is the prime nearest e^ε + 1 in variance (Wang et al.'s optimum; the prime costs about 1%).
/// </para>
/// <para>
/// Decoding counts the reports per (seed, bucket) in a table of g^(k+1) counts, where g^k ≥ d is the family's size,
/// then computes every value's support in one of two ways: a digit-by-digit transform of the table, k·g^(k+2)
/// additions, when g² &lt; d; otherwise each nonzero count is added to the values its (seed, bucket) supports, which are
/// enumerated by solving a linear equation, about k·d/g steps each. When the table would exceed 2^23 counts (large ε
/// or huge domains), each report is enumerated that way as it arrives: O(n·k·(d/g + 1)) time and O(d) memory.
/// </para>
/// </summary>
public sealed class OptimizedLocalHashing
{
    /// <summary>The largest per-(seed, bucket) table the decoder allocates (64 MiB of counts).</summary>
    internal const long TableLimit = 1L << 23;

    private readonly RandomizedResponse _bucket;
    private readonly LinearHashFamily _family;

    /// <summary>Creates the randomiser for values 0 … <paramref name="domainSize"/> − 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// The domain has fewer than 2 values, ε is outside (0, 20], or the hash family would have more than 2^31 seeds.
    /// </exception>
    public OptimizedLocalHashing(int domainSize, double epsilon)
        : this(domainSize, epsilon, null)
    {
    }

    /// <summary>As the public constructor, with the decoding forced (tests compare them).</summary>
    internal OptimizedLocalHashing(int domainSize, double epsilon, OlhDecoding? decoding)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(domainSize, 2);
        Epsilon.Check(epsilon);
        DomainSize = domainSize;
        Buckets = BucketsFor(epsilon);
        _bucket = new RandomizedResponse(Buckets, epsilon);
        _family = new LinearHashFamily(Buckets, domainSize);
        Decoding = decoding
            ?? ((long)_family.Size * Buckets > TableLimit ? OlhDecoding.ReportPreimages
                : (long)Buckets * Buckets < domainSize ? OlhDecoding.Transform
                : OlhDecoding.TablePreimages);
    }

    /// <summary>d.</summary>
    public int DomainSize { get; }

    /// <summary>g: the prime nearest e^ε + 1 in variance.</summary>
    public int Buckets { get; }

    /// <summary>Size of the hash family, g^k with k the smallest exponent for which g^k ≥ d. Seeds are 0 … g^k − 1.</summary>
    public int SeedCount => _family.Size;

    /// <summary>p.</summary>
    public double P => _bucket.P;

    /// <summary>q = 1/g: exactly, because every pair of values collides on exactly 1/g of the family.</summary>
    public double Q => 1.0 / Buckets;

    /// <summary>The ε the rounded probabilities give.</summary>
    public double EffectiveEpsilon => _bucket.EffectiveEpsilon;

    /// <summary>How <see cref="Estimate"/> computes the supports.</summary>
    internal OlhDecoding Decoding { get; }

    /// <summary>The report of <paramref name="value"/>: a uniform seed and the randomised bucket of the value's hash.</summary>
    public HashedReport Report(int value, IRandomSource random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(value, DomainSize);
        var seed = (int)ExactSamplers.UniformBelow(random, (ulong)SeedCount);
        return new HashedReport(seed, _bucket.Report(Hash(seed, value), random));
    }

    /// <summary>Unbiased counts per value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A report's seed or value is outside the family or the buckets.</exception>
    public double[] Estimate(IEnumerable<HashedReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        long n = 0;
        long[] support;
        if (Decoding == OlhDecoding.ReportPreimages)
        {
            support = new long[DomainSize];
            foreach (var r in reports)
            {
                Check(r);
                _family.AddPreimage<long>(support, r.Seed, r.Value, 1);
                n++;
            }
        }
        else
        {
            var table = new long[SeedCount * Buckets];
            foreach (var r in reports)
            {
                Check(r);
                table[(r.Seed * Buckets) + r.Value]++;
                n++;
            }

            support = Support(table, Decoding);
        }

        return FrequencyOracle.Estimate(support, n, P, Q);
    }

    /// <summary>The variance of a count estimate.</summary>
    public double Variance(long reports, double trueCount) => FrequencyOracle.Variance(reports, trueCount, P, Q);

    /// <summary>H_seed(v) in [0, g).</summary>
    internal int Hash(int seed, int value) => _family.Hash(seed, value);

    /// <summary>
    /// The decoder applied to a table of (possibly fractional) report counts per (seed, bucket). The decoder is linear
    /// in the counts, so applied to the expected counts it gives the expected estimates.
    /// </summary>
    internal double[] EstimateFromTable(double[] table, OlhDecoding decoding)
    {
        double n = 0;
        foreach (var c in table)
        {
            n += c;
        }

        return [.. Support((double[])table.Clone(), decoding).Select(s => FrequencyOracle.Estimate(s, n, P, Q))];
    }

    private T[] Support<T>(T[] table, OlhDecoding decoding)
        where T : INumber<T>
    {
        if (decoding == OlhDecoding.Transform)
        {
            return _family.Support(table);
        }

        var support = new T[DomainSize];
        for (var i = 0; i < table.Length; i++)
        {
            if (table[i] != T.Zero)
            {
                _family.AddPreimage<T>(support, i / Buckets, i % Buckets, table[i]);
            }
        }

        return support;
    }

    /// <summary>
    /// The prime g nearest e^ε + 1 in the variance factor q(1 − q)/(p − q)² of an estimate (which e^ε + 1 minimises):
    /// the prime just below e^ε + 1 or the one just above.
    /// </summary>
    internal static int BucketsFor(double epsilon)
    {
        var target = Math.Exp(epsilon) + 1;
        var below = (int)Math.Floor(target);
        while (below > 2 && !IsPrime(below))
        {
            below--;
        }

        var above = Math.Max(2, (int)Math.Ceiling(target));
        while (!IsPrime(above))
        {
            above++;
        }

        return VarianceFactor(epsilon, below) <= VarianceFactor(epsilon, above) ? below : above;
    }

    private static double VarianceFactor(double epsilon, int g)
    {
        var p = Math.Exp(epsilon) / (Math.Exp(epsilon) + g - 1);
        var q = 1.0 / g;
        return q * (1 - q) / ((p - q) * (p - q));
    }

    private static bool IsPrime(int n)
    {
        if (n < 2)
        {
            return false;
        }

        for (var f = 2; (long)f * f <= n; f++)
        {
            if (n % f == 0)
            {
                return false;
            }
        }

        return true;
    }

    private void Check(HashedReport report)
    {
        if (report.Seed < 0 || report.Seed >= SeedCount || report.Value < 0 || report.Value >= Buckets)
        {
            throw new ArgumentOutOfRangeException(nameof(report), "A report's seed is below the family's size and its value below the number of buckets.");
        }
    }
}
