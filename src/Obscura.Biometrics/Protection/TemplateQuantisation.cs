using Obscura.Biometrics.Cancelable;

namespace Obscura.Biometrics.Protection;

/// <summary>
/// Turns a transformed (unit-length) template into the integers the exact scheme compares: x_i = round(S·v_i) with
/// S = <see cref="Scale"/>, and a cosine threshold τ into the integer threshold T = round(τ·S²). The decision is
/// Σ x_i·y_i ≥ T. Rounding moves a score by about 0.41/S in cosine units (standard deviation: each of the d products
/// gains S·v_i·e_i with e_i uniform in ±½, so the variance is S²·(‖u‖² + ‖v‖²)/12 = S²/6, over S²): 0.0016 at S = 256.
/// S was chosen by measurement (<c>QuantisationTests</c>; docs/biometrics.md): on overlapping synthetic score
/// distributions (EER about 7 %), S = 64 moved the EER by up to 0.33 percentage points, S = 181 by up to 0.10 and
/// S = 256 by at most 0.05. <c>obscura eval</c> reports the EER of these integer scores beside the float ones.
/// </summary>
public static class TemplateQuantisation
{
    /// <summary>S: the factor each coordinate is scaled by before rounding.</summary>
    public const int Scale = 256;

    /// <summary>The largest dimension a template may have (the block layout's limit).</summary>
    public const int MaxDimension = 512;

    /// <summary>
    /// The integer coordinates of <paramref name="template"/>: round(S·v_i), each within ±S since |v_i| ≤ 1.
    /// </summary>
    public static long[] Quantise(TransformedTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return Quantise(template.Values);
    }

    /// <summary>The integer coordinates of a unit vector: round(S·v_i), ties away from zero.</summary>
    /// <exception cref="ArgumentException">A value is not finite or above 1 in magnitude, or there are more than 512.</exception>
    public static long[] Quantise(ReadOnlySpan<float> values)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(values.Length, MaxDimension, nameof(values));
        var result = new long[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (!float.IsFinite(v) || Math.Abs(v) > 1.0001f)
            {
                throw new ArgumentException("A template coordinate is not a finite value of a unit vector.", nameof(values));
            }

            result[i] = (long)Math.Round(Scale * (double)v, MidpointRounding.AwayFromZero);
        }

        return result;
    }

    /// <summary>T = round(τ·S²), the integer threshold for cosine threshold <paramref name="threshold"/>.</summary>
    public static long IntegerThreshold(double threshold) => (long)Math.Round(threshold * Scale * Scale, MidpointRounding.AwayFromZero);

    /// <summary>
    /// An upper bound on |Σ x_i·y_i| for two quantised unit vectors of dimension <paramref name="dimension"/>:
    /// ‖x‖ ≤ S + √d/2 (rounding moves each coordinate by at most ½), so the product is at most (S + √d/2)².
    /// </summary>
    public static long MaxIntegerScore(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimension, MaxDimension);
        var norm = Scale + (Math.Sqrt(dimension) / 2);
        return (long)Math.Floor(norm * norm);
    }

    /// <summary>Σ x_i·y_i of two quantised templates.</summary>
    public static long IntegerScore(ReadOnlySpan<long> x, ReadOnlySpan<long> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException("The templates have different dimensions.", nameof(y));
        }

        var sum = 0L;
        for (var i = 0; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    /// <summary>The score the exact scheme decides on, in cosine units: Σ x_i·y_i / S².</summary>
    public static double Similarity(TransformedTemplate a, TransformedTemplate b) =>
        IntegerScore(Quantise(a), Quantise(b)) / (double)(Scale * Scale);
}
