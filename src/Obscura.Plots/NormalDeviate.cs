namespace Obscura.Plots;

/// <summary>
/// The normal-deviate (probit) scale of DET plots (Martin et al., "The DET curve in assessment of detection task
/// performance", 1997): a rate p is drawn at the z with Φ(z) = p, so Gaussian score distributions give straight lines.
/// </summary>
/// <remarks>
/// Φ is summed from Marsaglia's series (2004), Φ(z) = ½ + φ(z)·(z + z³/3 + z⁵/(3·5) + …), and inverted by bisection:
/// slower than a rational approximation but free of tabulated coefficients, and far more exact than a pixel needs.
/// </remarks>
internal static class NormalDeviate
{
    /// <summary>The z with Φ(z) = <paramref name="rate"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not strictly between 1e-12 and 1 − 1e-12.</exception>
    public static double Of(double rate)
    {
        if (!(rate >= 1e-12 && rate <= 1 - 1e-12))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "A rate drawn on a normal-deviate axis lies in [1e-12, 1 − 1e-12].");
        }

        double low = -8, high = 8;
        for (var i = 0; i < 64; i++)
        {
            var mid = (low + high) / 2;
            if (Cdf(mid) < rate)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return (low + high) / 2;
    }

    /// <summary>Φ(z), the standard normal distribution function, for |z| ≤ 8.</summary>
    internal static double Cdf(double z)
    {
        double sum = z, term = z;
        var square = z * z;
        for (var n = 1; n < 500 && Math.Abs(term) > Math.Abs(sum) * 1e-17; n++)
        {
            term *= square / ((2 * n) + 1);
            sum += term;
        }

        var cdf = 0.5 + (sum * Math.Exp(-square / 2) / Math.Sqrt(2 * Math.PI));
        return Math.Clamp(cdf, 0, 1);
    }
}
