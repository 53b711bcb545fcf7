using System.Globalization;
using System.Numerics;

namespace Obscura.Privacy;

/// <summary>
/// A non-negative rational number n/d in lowest terms. Privacy parameters (ε, scales, variances) are rationals so
/// that the samplers can use them exactly; a decimal such as "0.3" is exactly 3/10.
/// </summary>
public readonly record struct Rational
{
    private Rational(ulong numerator, ulong denominator)
    {
        var g = BigInteger.GreatestCommonDivisor(numerator, denominator);
        Numerator = numerator / (ulong)g;
        Denominator = denominator / (ulong)g;
    }

    /// <summary>The numerator.</summary>
    public ulong Numerator { get; }

    /// <summary>The denominator, at least 1.</summary>
    public ulong Denominator { get; }

    /// <summary>The value as a double (for reporting and accounting, never for sampling).</summary>
    public double Value => (double)Numerator / Denominator;

    /// <summary>n/d.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The denominator is zero.</exception>
    public static Rational Of(ulong numerator, ulong denominator)
    {
        ArgumentOutOfRangeException.ThrowIfZero(denominator);
        return new Rational(numerator, denominator);
    }

    /// <summary>A whole number.</summary>
    public static Rational Whole(ulong value) => new(value, 1);

    /// <summary>The exact value of a non-negative decimal with at most 18 significant digits.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or too many digits.</exception>
    public static Rational FromDecimal(decimal value)
    {
        if (value < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "The value is not negative.");
        }

        var bits = decimal.GetBits(value);
        var scale = (bits[3] >> 16) & 0xFF;
        var mantissa = new BigInteger(new ReadOnlySpan<byte>([.. BitConverter.GetBytes(bits[0]), .. BitConverter.GetBytes(bits[1]), .. BitConverter.GetBytes(bits[2]), 0]), isUnsigned: true);
        var denominator = BigInteger.Pow(10, scale);
        var g = BigInteger.GreatestCommonDivisor(mantissa, denominator);
        mantissa /= g;
        denominator /= g;
        return mantissa > ulong.MaxValue || denominator > ulong.MaxValue
            ? throw new ArgumentOutOfRangeException(nameof(value), value, "The value has too many digits to be used exactly.")
            : new Rational((ulong)mantissa, (ulong)denominator);
    }

    /// <summary>Parses a non-negative decimal ("0.5", "2", "1e-3") exactly.</summary>
    public static Rational Parse(string text) =>
        FromDecimal(decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));

    /// <inheritdoc />
    public override string ToString() => Denominator == 1 ? Numerator.ToString(CultureInfo.InvariantCulture) : $"{Numerator}/{Denominator}";
}
