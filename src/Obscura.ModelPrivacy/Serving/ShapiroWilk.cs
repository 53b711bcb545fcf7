namespace Obscura.ModelPrivacy.Serving;

/// <summary>
/// The Shapiro–Wilk W statistic of normality, with Royston's (1992) approximation of the coefficients (the one in
/// AS R94, R's <c>shapiro.test</c> and SciPy): W near 1 for a normal sample, lower the further the sample is from
/// normal. Valid for 3 ≤ n ≤ 5,000.
/// </summary>
public static class ShapiroWilk
{
    /// <summary>W of <paramref name="sample"/>; 1 when every value is equal (no spread to test).</summary>
    /// <exception cref="ArgumentException">Fewer than 3 or more than 5,000 values, or a value is not finite.</exception>
    public static double W(IReadOnlyList<double> sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var n = sample.Count;
        if (n is < 3 or > 5000)
        {
            throw new ArgumentException("The Shapiro–Wilk test takes 3 to 5,000 values.", nameof(sample));
        }

        var x = sample.ToArray();
        if (x.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException("Every value is a finite number.", nameof(sample));
        }

        Array.Sort(x);
        var mean = x.Average();
        var ss = x.Sum(v => (v - mean) * (v - mean));
        if (ss <= 1e-300 * n)
        {
            return 1;
        }

        var a = Coefficients(n);
        double b = 0;
        for (var i = 0; i < n; i++)
        {
            b += a[i] * x[i];
        }

        return Math.Min(1, b * b / ss);
    }

    /// <summary>The coefficients a₁ ≤ … ≤ aₙ (antisymmetric) for a sorted sample of size <paramref name="n"/>.</summary>
    internal static double[] Coefficients(int n)
    {
        var a = new double[n];
        if (n == 3)
        {
            a[0] = -Math.Sqrt(0.5);
            a[2] = Math.Sqrt(0.5);
            return a;
        }

        var m = new double[n];
        double summ2 = 0;
        for (var i = 0; i < n; i++)
        {
            m[i] = InverseNormal((i + 1 - 0.375) / (n + 0.25));
            summ2 += m[i] * m[i];
        }

        var u = 1 / Math.Sqrt(n);
        var an = (m[n - 1] / Math.Sqrt(summ2)) + Polynomial(u, 0.221157, -0.147981, -2.071190, 4.434685, -2.706056);
        double phi;
        var first = 1;
        if (n > 5)
        {
            var an1 = (m[n - 2] / Math.Sqrt(summ2)) + Polynomial(u, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633);
            phi = (summ2 - (2 * m[n - 1] * m[n - 1]) - (2 * m[n - 2] * m[n - 2])) / (1 - (2 * an * an) - (2 * an1 * an1));
            a[n - 2] = an1;
            a[1] = -an1;
            first = 2;
        }
        else
        {
            phi = (summ2 - (2 * m[n - 1] * m[n - 1])) / (1 - (2 * an * an));
        }

        a[n - 1] = an;
        a[0] = -an;
        var root = Math.Sqrt(phi);
        for (var i = first; i < n - first; i++)
        {
            a[i] = m[i] / root;
        }

        return a;
    }

    private static double Polynomial(double u, double c1, double c2, double c3, double c4, double c5) =>
        u * (c1 + (u * (c2 + (u * (c3 + (u * (c4 + (u * c5))))))));

    /// <summary>Φ⁻¹(p) by Acklam's rational approximation (relative error below 1.2e-9).</summary>
    internal static double InverseNormal(double p)
    {
        if (!(p > 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), "A probability strictly between 0 and 1.");
        }

        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425;
        double x;
        if (p < low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            x = (((((((((c[0] * q) + c[1]) * q) + c[2]) * q) + c[3]) * q) + c[4]) * q) + c[5];
            x /= (((((((d[0] * q) + d[1]) * q) + d[2]) * q) + d[3]) * q) + 1;
        }
        else if (p <= 1 - low)
        {
            var q = p - 0.5;
            var r = q * q;
            x = (((((((((a[0] * r) + a[1]) * r) + a[2]) * r) + a[3]) * r) + a[4]) * r) + a[5];
            x = x * q / ((((((((((b[0] * r) + b[1]) * r) + b[2]) * r) + b[3]) * r) + b[4]) * r) + 1);
        }
        else
        {
            var q = Math.Sqrt(-2 * Math.Log(1 - p));
            x = -((((((((((c[0] * q) + c[1]) * q) + c[2]) * q) + c[3]) * q) + c[4]) * q) + c[5]);
            x /= (((((((d[0] * q) + d[1]) * q) + d[2]) * q) + d[3]) * q) + 1;
        }

        return x;
    }
}
