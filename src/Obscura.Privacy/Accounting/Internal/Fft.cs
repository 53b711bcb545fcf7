namespace Obscura.Privacy.Accounting.Internal;

/// <summary>
/// An in-place iterative radix-2 complex FFT on separate real and imaginary arrays (power-of-two lengths). Twiddle
/// factors are computed directly with <see cref="Math.SinCos"/> for each index rather than by recurrence, so each is
/// correct to about one ulp; Higham ("Accuracy and Stability of Numerical Algorithms", 2nd ed., Thm. 24.2) then bounds
/// the computed transform's error by ‖ŷ − y‖₂ ≤ <see cref="ErrorFactor"/>(n)·‖y‖₂, which the accountant uses to bound
/// its round-off.
/// </summary>
internal static class Fft
{
    private const double UnitRoundoff = 1.1102230246251565e-16;

    /// <summary>
    /// γ with ‖ŷ − y‖₂ ≤ γ‖y‖₂ for a transform of length <paramref name="length"/>: log₂n·η/(1 − log₂n·η) with
    /// η = μ + γ₄(√2 + μ), taking twiddle errors μ ≤ 2u (generous for correctly range-reduced sin and cos).
    /// </summary>
    public static double ErrorFactor(int length)
    {
        var mu = 2 * UnitRoundoff;
        var gamma4 = 4 * UnitRoundoff / (1 - (4 * UnitRoundoff));
        var eta = mu + (gamma4 * (Math.Sqrt(2) + mu));
        var levels = Math.Log2(length);
        return levels * eta / (1 - (levels * eta));
    }

    /// <summary>
    /// Transforms (<paramref name="real"/>, <paramref name="imaginary"/>) in place: y_k = Σ_j x_j e^(∓2πijk/n), the
    /// minus sign forward; the inverse also divides by n, so it undoes the forward transform.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ or are not a power of two.</exception>
    public static void Transform(Span<double> real, Span<double> imaginary, bool inverse)
    {
        var n = real.Length;
        if (imaginary.Length != n || n == 0 || (n & (n - 1)) != 0)
        {
            throw new ArgumentException("The FFT needs two arrays of one power-of-two length.", nameof(real));
        }

        for (int i = 1, j = 0; i < n; i++)
        {
            var bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1)
            {
                j ^= bit;
            }

            j ^= bit;
            if (i < j)
            {
                (real[i], real[j]) = (real[j], real[i]);
                (imaginary[i], imaginary[j]) = (imaginary[j], imaginary[i]);
            }
        }

        var sign = inverse ? 1.0 : -1.0;
        var cos = new double[Math.Max(1, n / 2)];
        var sin = new double[Math.Max(1, n / 2)];
        for (var k = 0; k < n / 2; k++)
        {
            (sin[k], cos[k]) = Math.SinCos(2 * Math.PI * k / n);
            sin[k] *= sign;
        }

        for (var size = 2; size <= n; size <<= 1)
        {
            var half = size >> 1;
            var stride = n / size;
            for (var start = 0; start < n; start += size)
            {
                for (var k = 0; k < half; k++)
                {
                    var wr = cos[k * stride];
                    var wi = sin[k * stride];
                    var a = start + k;
                    var b = a + half;
                    var tr = (real[b] * wr) - (imaginary[b] * wi);
                    var ti = (real[b] * wi) + (imaginary[b] * wr);
                    real[b] = real[a] - tr;
                    imaginary[b] = imaginary[a] - ti;
                    real[a] += tr;
                    imaginary[a] += ti;
                }
            }
        }

        if (inverse)
        {
            var scale = 1.0 / n;
            for (var i = 0; i < n; i++)
            {
                real[i] *= scale;
                imaginary[i] *= scale;
            }
        }
    }
}
