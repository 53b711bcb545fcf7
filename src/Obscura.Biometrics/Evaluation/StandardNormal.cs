namespace Obscura.Biometrics.Evaluation;

/// <summary>
/// The standard normal quantile (probit), the axis transform of a DET plot: error rates drawn on normal-deviate
/// scales make Gaussian score distributions straight lines (Martin et al., "The DET curve in assessment of detection
/// task performance", 1997).
/// </summary>
public static class StandardNormal
{
    // Rational approximation after P. J. Acklam (2003): relative error below 1.2e-9 over (0, 1), ample for plotting
    // and for the tests that pin it against tabulated quantiles.
    private static readonly double[] A = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
    private static readonly double[] B = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
    private static readonly double[] C = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
    private static readonly double[] D = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
    private const double Low = 0.02425;

    /// <summary>The z with Φ(z) = <paramref name="probability"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The probability is not strictly between 0 and 1.</exception>
    public static double Quantile(double probability)
    {
        if (!(probability > 0 && probability < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "The probability lies strictly between 0 and 1.");
        }

        if (probability < Low)
        {
            return Tail(probability);
        }

        if (probability > 1 - Low)
        {
            return -Tail(1 - probability);
        }

        var q = probability - 0.5;
        var r = q * q;
        return (((((((((((A[0] * r) + A[1]) * r) + A[2]) * r) + A[3]) * r) + A[4]) * r) + A[5]) * q)
            / (((((((((B[0] * r) + B[1]) * r) + B[2]) * r) + B[3]) * r) + B[4]) * r + 1);
    }

    private static double Tail(double p)
    {
        var q = Math.Sqrt(-2 * Math.Log(p));
        return ((((((((((C[0] * q) + C[1]) * q) + C[2]) * q) + C[3]) * q) + C[4]) * q) + C[5])
            / ((((((((D[0] * q) + D[1]) * q) + D[2]) * q) + D[3]) * q) + 1);
    }
}
