namespace Obscura.Privacy.Local;

/// <summary>
/// The common estimate of a local-DP frequency oracle whose report "supports" the true value with probability p and
/// any other value with probability q: ĉ_v = (support_v − n·q)/(p − q), unbiased, with variance
/// (n_v·p(1 − p) + (n − n_v)·q(1 − q))/(p − q)² (Wang et al., USENIX Security 2017).
/// </summary>
public static class FrequencyOracle
{
    /// <summary>Unbiased counts from support counts.</summary>
    public static double[] Estimate(IReadOnlyList<long> support, long reports, double p, double q)
    {
        ArgumentNullException.ThrowIfNull(support);
        var estimates = new double[support.Count];
        for (var v = 0; v < estimates.Length; v++)
        {
            estimates[v] = Estimate(support[v], reports, p, q);
        }

        return estimates;
    }

    /// <summary>One estimate from its (possibly expected, so fractional) support count.</summary>
    internal static double Estimate(double support, double reports, double p, double q) => (support - (reports * q)) / (p - q);

    /// <summary>The variance of ĉ_v when the true count is <paramref name="trueCount"/> of <paramref name="reports"/>.</summary>
    public static double Variance(long reports, double trueCount, double p, double q) =>
        ((trueCount * p * (1 - p)) + ((reports - trueCount) * q * (1 - q))) / ((p - q) * (p - q));
}
