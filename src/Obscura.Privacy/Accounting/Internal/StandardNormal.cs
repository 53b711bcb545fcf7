namespace Obscura.Privacy.Accounting.Internal;

/// <summary>
/// The standard normal distribution's tails with full relative accuracy far out (the privacy-loss accountant needs
/// Φ̄(x) ≈ 1e-20 to a few ulps, where 1 − Φ(x) would be 0). The complementary error function comes from the incomplete
/// gamma function, erfc(x) = Γ(½, x²)/√π: by its power series for x² &lt; 1.5, and by its Legendre continued fraction
/// (evaluated with the modified Lentz method) above, where the fraction converges in a few dozen terms.
/// </summary>
internal static class StandardNormal
{
    private const double SqrtPi = 1.7724538509055160273;
    private const double Tiny = 1e-300;

    /// <summary>Φ̄(x) = P(Z &gt; x) for Z ~ N(0, 1).</summary>
    public static double Survival(double x) => x >= 0 ? Erfc(x / Math.Sqrt(2)) / 2 : 1 - (Erfc(-x / Math.Sqrt(2)) / 2);

    /// <summary>Φ(x) = P(Z ≤ x) for Z ~ N(0, 1).</summary>
    public static double Cdf(double x) => Survival(-x);

    /// <summary>erfc(x) for x ≥ 0, to about 1e-15 relative error; 0 once it underflows (x above about 27).</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x < 0)
        {
            return 2 - Erfc(-x);
        }

        var z = x * x;
        if (z < 1.5)
        {
            return 1 - LowerRegularised(z);
        }

        return z > 750 ? 0 : UpperRegularised(z);
    }

    /// <summary>P(½, z) = γ(½, z)/Γ(½) by its series e^(−z) z^½ Σ z^n / (½(½+1)…(½+n)) / Γ(½).</summary>
    private static double LowerRegularised(double z)
    {
        if (z == 0)
        {
            return 0;
        }

        var a = 0.5;
        var term = 1 / a;
        var sum = term;
        for (var n = 1; n < 500; n++)
        {
            a += 1;
            term *= z / a;
            sum += term;
            if (Math.Abs(term) < Math.Abs(sum) * 1e-17)
            {
                break;
            }
        }

        return sum * Math.Exp(-z + (0.5 * Math.Log(z))) / SqrtPi;
    }

    /// <summary>Q(½, z) = Γ(½, z)/Γ(½) by the continued fraction 1/(z + ½ − 1·½/(z + 5/2 − 2·3/2/(z + 9/2 − …))).</summary>
    private static double UpperRegularised(double z)
    {
        const double A = 0.5;
        var b = z + 1 - A;
        var c = 1 / Tiny;
        var d = 1 / b;
        var h = d;
        for (var i = 1; i < 1000; i++)
        {
            var an = -i * (i - A);
            b += 2;
            d = (an * d) + b;
            if (Math.Abs(d) < Tiny)
            {
                d = Tiny;
            }

            c = b + (an / c);
            if (Math.Abs(c) < Tiny)
            {
                c = Tiny;
            }

            d = 1 / d;
            var step = d * c;
            h *= step;
            if (Math.Abs(step - 1) < 1e-16)
            {
                break;
            }
        }

        return Math.Exp(-z + (0.5 * Math.Log(z))) / SqrtPi * h;
    }
}
