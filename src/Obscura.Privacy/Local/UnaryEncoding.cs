using Obscura.Privacy.Sampling;

namespace Obscura.Privacy.Local;

/// <summary>
/// Unary encoding (Wang et al. 2017): the value becomes a one-hot vector of d bits; the true bit is kept at 1 with
/// probability p and every other bit is set with probability q. ε = ln(p(1 − q)/((1 − p)q)). Two settings:
/// optimised (OUE: p = 1/2, q = 1/(e^ε + 1), the lowest variance) and symmetric (SUE, basic RAPPOR:
/// p = e^{ε/2}/(e^{ε/2} + 1), q = 1 − p).
/// </summary>
public sealed class UnaryEncoding
{
    private readonly LocalCoin _one;
    private readonly LocalCoin _zero;

    /// <summary>Creates the randomiser for values 0 … <paramref name="domainSize"/> − 1.</summary>
    public UnaryEncoding(int domainSize, double epsilon, bool optimised = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(domainSize, 2);
        Epsilon.Check(epsilon);
        DomainSize = domainSize;
        var p = optimised ? 0.5 : Math.Exp(epsilon / 2) / (Math.Exp(epsilon / 2) + 1);
        var q = optimised ? 1 / (Math.Exp(epsilon) + 1) : 1 - p;
        _one = new LocalCoin(p);
        _zero = new LocalCoin(q);
    }

    /// <summary>d.</summary>
    public int DomainSize { get; }

    /// <summary>P(reported bit = 1 | true bit = 1), as rounded.</summary>
    public double P => _one.Probability;

    /// <summary>P(reported bit = 1 | true bit = 0), as rounded.</summary>
    public double Q => _zero.Probability;

    /// <summary>The ε the rounded probabilities give.</summary>
    public double EffectiveEpsilon => Math.Log(P * (1 - Q) / ((1 - P) * Q));

    /// <summary>The report of <paramref name="value"/>: d bits.</summary>
    public bool[] Report(int value, IRandomSource random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(value, DomainSize);
        var bits = new bool[DomainSize];
        for (var i = 0; i < bits.Length; i++)
        {
            bits[i] = i == value ? _one.Flip(random) : _zero.Flip(random);
        }

        return bits;
    }

    /// <summary>Unbiased counts per value.</summary>
    public double[] Estimate(IEnumerable<bool[]> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var support = new long[DomainSize];
        long n = 0;
        foreach (var bits in reports)
        {
            for (var i = 0; i < DomainSize; i++)
            {
                support[i] += bits[i] ? 1 : 0;
            }

            n++;
        }

        return FrequencyOracle.Estimate(support, n, P, Q);
    }

    /// <summary>The variance of a count estimate.</summary>
    public double Variance(long reports, double trueCount) => FrequencyOracle.Variance(reports, trueCount, P, Q);
}
