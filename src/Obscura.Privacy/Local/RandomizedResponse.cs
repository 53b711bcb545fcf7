using Obscura.Privacy.Sampling;

namespace Obscura.Privacy.Local;

/// <summary>
/// k-ary (generalised) randomised response: report the true value with probability p = e^ε/(e^ε + k − 1), otherwise
/// one of the other k − 1 values uniformly. ε-LDP. A report supports only itself: p as above, q = (1 − p)/(k − 1).
/// </summary>
public sealed class RandomizedResponse
{
    private readonly LocalCoin _keep;

    /// <summary>Creates the randomiser for a domain of <paramref name="domainSize"/> values.</summary>
    public RandomizedResponse(int domainSize, double epsilon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(domainSize, 2);
        Local.Epsilon.Check(epsilon);
        DomainSize = domainSize;
        _keep = new LocalCoin(Math.Exp(epsilon) / (Math.Exp(epsilon) + domainSize - 1));
    }

    /// <summary>k.</summary>
    public int DomainSize { get; }

    /// <summary>Probability of reporting the true value (as rounded).</summary>
    public double P => _keep.Probability;

    /// <summary>Probability of reporting a given other value.</summary>
    public double Q => (1 - P) / (DomainSize - 1);

    /// <summary>The ε the rounded probabilities give: ln(p/q).</summary>
    public double EffectiveEpsilon => Math.Log(P / Q);

    /// <summary>The report of <paramref name="value"/> (0 … k − 1).</summary>
    public int Report(int value, IRandomSource random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(value, DomainSize);
        if (_keep.Flip(random))
        {
            return value;
        }

        var other = (int)ExactSamplers.UniformBelow(random, (ulong)(DomainSize - 1));
        return other >= value ? other + 1 : other;
    }

    /// <summary>Unbiased counts per value from the reports.</summary>
    public double[] Estimate(IEnumerable<int> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var support = new long[DomainSize];
        long n = 0;
        foreach (var r in reports)
        {
            support[r]++;
            n++;
        }

        return FrequencyOracle.Estimate(support, n, P, Q);
    }

    /// <summary>The variance of a count estimate (see <see cref="FrequencyOracle.Variance"/>).</summary>
    public double Variance(long reports, double trueCount) => FrequencyOracle.Variance(reports, trueCount, P, Q);
}

/// <summary>ε checks shared by the local randomisers.</summary>
internal static class Epsilon
{
    public static void Check(double epsilon)
    {
        if (!(epsilon > 0 && epsilon <= 20))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε lies in (0, 20].");
        }
    }
}
