using Obscura.Privacy.Sampling;

namespace Obscura.Privacy.Local;

/// <summary>
/// RAPPOR-style reports (Erlingsson, Pihur and Korolova, CCS 2014), one-time collection: the value sets h bits of an
/// m-bit Bloom filter, and each bit goes through permanent randomised response with parameter f (reported 1 with
/// probability 1 − f/2 if set, f/2 if not). ε = 2h·ln((1 − f/2)/(f/2)). Decoding over a known candidate domain: each
/// bit count gives the unbiased t̂_j = (c_j − n f/2)/(1 − f) of how many values set bit j; the counts per candidate
/// are the least-squares solution of X·x = t̂, X the m × d matrix of which candidate sets which bit. Because
/// E[t̂] = X·x exactly, the solution is unbiased whenever X has full column rank; its covariance is
/// σ²(XᵀX)⁻¹ with σ² = n(f/2)(1 − f/2)/(1 − f)².
/// </summary>
public sealed class BloomRappor
{
    private readonly LocalCoin _set;
    private readonly LocalCoin _unset;
    private readonly int[][] _bits;
    private readonly double[,] _inverseGram;

    /// <summary>Creates the randomiser for candidates 0 … <paramref name="domainSize"/> − 1.</summary>
    /// <exception cref="ArgumentException">The candidates' Bloom patterns are not linearly independent (use more bits).</exception>
    public BloomRappor(int domainSize, int filterBits, int hashes, double f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(domainSize, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(filterBits, domainSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(hashes, 1);
        if (!(f > 0 && f < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(f), f, "f lies in (0, 1).");
        }

        DomainSize = domainSize;
        FilterBits = filterBits;
        _set = new LocalCoin(1 - (f / 2));
        _unset = new LocalCoin(f / 2);
        _bits = [.. Enumerable.Range(0, domainSize).Select(v => Enumerable.Range(0, hashes).Select(h => Bit(v, h)).Distinct().ToArray())];
        var gram = new double[domainSize, domainSize];
        for (var a = 0; a < domainSize; a++)
        {
            for (var b = 0; b < domainSize; b++)
            {
                gram[a, b] = _bits[a].Intersect(_bits[b]).Count();
            }
        }

        _inverseGram = Invert(gram) ?? throw new ArgumentException("The candidates' Bloom patterns are linearly dependent; use more filter bits.", nameof(filterBits));
        Hashes = hashes;
    }

    /// <summary>d.</summary>
    public int DomainSize { get; }

    /// <summary>m.</summary>
    public int FilterBits { get; }

    /// <summary>h.</summary>
    public int Hashes { get; }

    /// <summary>The ε the rounded probabilities give: 2h·ln(P(1|set)/P(1|unset)).</summary>
    public double EffectiveEpsilon => 2 * Hashes * Math.Log(_set.Probability / _unset.Probability);

    /// <summary>The report of <paramref name="value"/>: m bits.</summary>
    public bool[] Report(int value, IRandomSource random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(value, DomainSize);
        var bits = new bool[FilterBits];
        for (var j = 0; j < FilterBits; j++)
        {
            bits[j] = _bits[value].Contains(j) ? _set.Flip(random) : _unset.Flip(random);
        }

        return bits;
    }

    /// <summary>Unbiased counts per candidate (least squares over the Bloom patterns).</summary>
    public double[] Estimate(IEnumerable<bool[]> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var counts = new long[FilterBits];
        long n = 0;
        foreach (var bits in reports)
        {
            for (var j = 0; j < FilterBits; j++)
            {
                counts[j] += bits[j] ? 1 : 0;
            }

            n++;
        }

        var low = _unset.Probability;
        var high = _set.Probability;
        var t = counts.Select(c => (c - (n * low)) / (high - low)).ToArray();
        var xt = new double[DomainSize];
        for (var v = 0; v < DomainSize; v++)
        {
            xt[v] = _bits[v].Sum(j => t[j]);
        }

        var estimate = new double[DomainSize];
        for (var a = 0; a < DomainSize; a++)
        {
            for (var b = 0; b < DomainSize; b++)
            {
                estimate[a] += _inverseGram[a, b] * xt[b];
            }
        }

        return estimate;
    }

    /// <summary>The variance of candidate <paramref name="value"/>'s estimate from <paramref name="reports"/> reports: σ²·[(XᵀX)⁻¹]_vv.</summary>
    public double Variance(long reports, int value)
    {
        var low = _unset.Probability;
        var high = _set.Probability;
        return reports * low * (1 - low) / ((high - low) * (high - low)) * _inverseGram[value, value];
    }

    private int Bit(int value, int hash) => HashFamily.Hash(hash, value, FilterBits);

    /// <summary>Gauss–Jordan inverse with partial pivoting; null when singular.</summary>
    private static double[,]? Invert(double[,] matrix)
    {
        var n = matrix.GetLength(0);
        var a = (double[,])matrix.Clone();
        var inverse = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            inverse[i, i] = 1;
        }

        for (var column = 0; column < n; column++)
        {
            var pivot = column;
            for (var row = column + 1; row < n; row++)
            {
                if (Math.Abs(a[row, column]) > Math.Abs(a[pivot, column]))
                {
                    pivot = row;
                }
            }

            if (Math.Abs(a[pivot, column]) < 1e-9)
            {
                return null;
            }

            for (var k = 0; k < n; k++)
            {
                (a[column, k], a[pivot, k]) = (a[pivot, k], a[column, k]);
                (inverse[column, k], inverse[pivot, k]) = (inverse[pivot, k], inverse[column, k]);
            }

            var scale = a[column, column];
            for (var k = 0; k < n; k++)
            {
                a[column, k] /= scale;
                inverse[column, k] /= scale;
            }

            for (var row = 0; row < n; row++)
            {
                if (row != column && a[row, column] != 0)
                {
                    var factor = a[row, column];
                    for (var k = 0; k < n; k++)
                    {
                        a[row, k] -= factor * a[column, k];
                        inverse[row, k] -= factor * inverse[column, k];
                    }
                }
            }
        }

        return inverse;
    }
}
