namespace Obscura.StoreAnalytics.Notice.Qr;

/// <summary>
/// GF(2⁸) with the QR code's field polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D) and primitive element α = 2, and the
/// Reed–Solomon error correction codewords it defines (ISO/IEC 18004, 7.5.2).
/// </summary>
internal static class GaloisField
{
    private const int Polynomial = 0x11D;

    /// <summary>Exp[i] = αⁱ for i in 0..254 (repeated once more, so a sum of two logarithms needs no reduction).</summary>
    private static readonly byte[] Exp = new byte[510];

    /// <summary>Log[x] for x in 1..255 (Log[0] is unused).</summary>
    private static readonly int[] Log = new int[256];

    static GaloisField()
    {
        var x = 1;
        for (var i = 0; i < 255; i++)
        {
            Exp[i] = Exp[i + 255] = (byte)x;
            Log[x] = i;
            x <<= 1;
            if (x > 0xFF)
            {
                x ^= Polynomial;
            }
        }
    }

    /// <summary>αⁱ.</summary>
    public static byte Power(int i) => Exp[i % 255];

    /// <summary>The product of two field elements.</summary>
    public static byte Multiply(byte a, byte b) => a == 0 || b == 0 ? (byte)0 : Exp[Log[a] + Log[b]];

    /// <summary>log_α of a non-zero element.</summary>
    public static int Logarithm(byte a) => a == 0 ? throw new ArgumentOutOfRangeException(nameof(a), "0 has no logarithm.") : Log[a];

    /// <summary>
    /// The generator polynomial g(x) = (x − α⁰)(x − α¹)…(x − αⁿ⁻¹) of degree <paramref name="degree"/>, its
    /// coefficients from xⁿ⁻¹ down to x⁰ (the leading 1 left out).
    /// </summary>
    public static byte[] Generator(int degree)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degree, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(degree, 254);

        // Coefficients from the highest power down, the leading 1 included while multiplying.
        var g = new byte[degree + 1];
        g[0] = 1;
        for (var i = 0; i < degree; i++)
        {
            // g ← g · (x + αⁱ): in characteristic 2, subtraction is addition.
            var root = Power(i);
            for (var j = i + 1; j >= 1; j--)
            {
                g[j] = (byte)(g[j] ^ Multiply(g[j - 1], root));
            }
        }

        return g[1..];
    }

    /// <summary>
    /// The <paramref name="count"/> error correction codewords of a block: the remainder of data(x) · xⁿ divided by
    /// g(x), highest power first.
    /// </summary>
    public static byte[] Remainder(ReadOnlySpan<byte> data, int count)
    {
        var generator = Generator(count);
        var remainder = new byte[count];
        foreach (var d in data)
        {
            var factor = (byte)(d ^ remainder[0]);
            Array.Copy(remainder, 1, remainder, 0, count - 1);
            remainder[count - 1] = 0;
            for (var i = 0; i < count; i++)
            {
                remainder[i] ^= Multiply(generator[i], factor);
            }
        }

        return remainder;
    }
}
