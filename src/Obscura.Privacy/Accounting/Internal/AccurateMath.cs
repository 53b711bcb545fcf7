namespace Obscura.Privacy.Accounting.Internal;

/// <summary>
/// e^x − 1 and ln(1 + x) without cancellation near 0 (the BCL's <c>double.ExpM1</c> and <c>double.LogP1</c> compute
/// <c>Exp(x) − 1</c> and <c>Log(1 + x)</c>, which lose about half the digits at x = 10^-8). Kahan's corrections: the
/// rounding error of u = e^x (or u = 1 + x) is divided out by the exactly known ratio.
/// </summary>
internal static class AccurateMath
{
    /// <summary>e^x − 1, to a few ulps.</summary>
    public static double ExpM1(double x)
    {
        if (Math.Abs(x) >= 0.5)
        {
            return Math.Exp(x) - 1;
        }

        var u = Math.Exp(x);
        if (u == 1)
        {
            return x;
        }

        var um1 = u - 1;
        return um1 == -1 ? -1 : um1 * x / Math.Log(u);
    }

    /// <summary>ln(1 + x) for x &gt; −1, to a few ulps.</summary>
    public static double LogP1(double x)
    {
        var u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }
}
