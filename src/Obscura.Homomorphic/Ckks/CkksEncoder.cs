using System.Numerics;
using Obscura.Homomorphic.Internal;

namespace Obscura.Homomorphic.Ckks;

/// <summary>
/// The CKKS canonical embedding for ring degree N: N/2 complex slots ↔ a real polynomial of degree &lt; N, scaled by Δ
/// and rounded to integers. Slot j holds m(ζ^(5^j)) / Δ with ζ = e^(2πi/2N), so the automorphism X → X^5 rotates
/// slots by one and X → X^-1 conjugates them; polynomial products in Z[X]/(X^N+1) multiply slots pointwise.
/// Uses an O(N log N) special FFT over the rotation group; immutable and safe to share between threads.
/// </summary>
public sealed class CkksEncoder
{
    private readonly int _m;                // 2N
    private readonly int[] _rotationGroup;  // 5^j mod 2N, j < N/2
    private readonly Complex[] _roots;      // ζ^k, k ≤ 2N

    /// <summary>Creates an encoder for ring degree <paramref name="polyDegree"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a power of two between 4 and 65536.</exception>
    public CkksEncoder(int polyDegree)
    {
        if (polyDegree < 4 || polyDegree > 65536 || !BitOperations.IsPow2(polyDegree))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(polyDegree), "The ring degree is a power of two between 4 and 65536.");
        }

        Degree = polyDegree;
        _m = 2 * polyDegree;
        _rotationGroup = new int[SlotCount];
        var g = 1;
        for (var j = 0; j < SlotCount; j++)
        {
            _rotationGroup[j] = g;
            g = (int)((5L * g) % _m);
        }

        _roots = new Complex[_m + 1];
        for (var k = 0; k <= _m; k++)
        {
            var angle = 2 * Math.PI * k / _m;
            _roots[k] = new Complex(Math.Cos(angle), Math.Sin(angle));
        }
    }

    /// <summary>N.</summary>
    public int Degree { get; }

    /// <summary>Number of complex slots, N/2.</summary>
    public int SlotCount => Degree / 2;

    /// <summary>
    /// Encodes up to N/2 slot values (missing ones are zero) at scale Δ into integer coefficients: coefficient i holds
    /// the real part and coefficient N/2 + i the imaginary part of the inverse special FFT, times Δ, rounded.
    /// </summary>
    /// <exception cref="ArgumentException">Too many values, a wrong destination length, or a non-finite value.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The scale is not positive and finite, or Δ·|value| reaches 2^120.</exception>
    public void Encode(ReadOnlySpan<Complex> values, double scale, Span<Int128> coefficients)
    {
        if (values.Length > SlotCount)
        {
            ThrowHelper.Argument(nameof(values), $"At most {SlotCount} slot values fit in degree {Degree}.");
        }

        CheckCoefficients(coefficients.Length, nameof(coefficients));
        CheckScale(scale);
        var work = new Complex[SlotCount];
        for (var i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i].Real) || !double.IsFinite(values[i].Imaginary))
            {
                ThrowHelper.Argument(nameof(values), "Slot values must be finite.");
            }

            work[i] = values[i];
        }

        SpecialInverseFft(work);
        var limit = Math.Pow(2, 120); // keeps every coefficient well inside Int128
        for (var i = 0; i < SlotCount; i++)
        {
            var re = Math.Round(work[i].Real * scale, MidpointRounding.ToEven);
            var im = Math.Round(work[i].Imaginary * scale, MidpointRounding.ToEven);
            if (Math.Abs(re) >= limit || Math.Abs(im) >= limit)
            {
                ThrowHelper.ArgumentOutOfRange(nameof(scale), "Scale × value magnitude exceeds 120-bit coefficients; lower the scale or the values.");
            }

            coefficients[i] = (Int128)re;
            coefficients[i + SlotCount] = (Int128)im;
        }
    }

    /// <summary>Decodes real (centred) coefficients at scale Δ into the N/2 slot values.</summary>
    /// <exception cref="ArgumentException">Wrong lengths.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The scale is not positive and finite.</exception>
    public void Decode(ReadOnlySpan<double> coefficients, double scale, Span<Complex> values)
    {
        CheckCoefficients(coefficients.Length, nameof(coefficients));
        CheckScale(scale);
        if (values.Length != SlotCount)
        {
            ThrowHelper.Argument(nameof(values), $"Decoding yields {SlotCount} slot values.");
        }

        var work = new Complex[SlotCount];
        for (var i = 0; i < SlotCount; i++)
        {
            work[i] = new Complex(coefficients[i] / scale, coefficients[i + SlotCount] / scale);
        }

        SpecialFft(work);
        work.CopyTo(values);
    }

    /// <summary>Evaluates at the rotation-group roots: work[j] ← Σ_k (a_k + i·b_k) ζ^(5^j·k) folded (Cheon et al.'s special FFT).</summary>
    private void SpecialFft(Complex[] values)
    {
        var size = values.Length;
        BitReverse(values);
        for (var len = 2; len <= size; len <<= 1)
        {
            var half = len >> 1;
            var quarterStep = len << 2;
            for (var i = 0; i < size; i += len)
            {
                for (var j = 0; j < half; j++)
                {
                    var index = (_rotationGroup[j] % quarterStep) * (_m / quarterStep);
                    var u = values[i + j];
                    var v = values[i + j + half] * _roots[index];
                    values[i + j] = u + v;
                    values[i + j + half] = u - v;
                }
            }
        }
    }

    /// <summary>The inverse of <see cref="SpecialFft"/>, including the division by the slot count.</summary>
    private void SpecialInverseFft(Complex[] values)
    {
        var size = values.Length;
        for (var len = size; len >= 2; len >>= 1)
        {
            var half = len >> 1;
            var quarterStep = len << 2;
            for (var i = 0; i < size; i += len)
            {
                for (var j = 0; j < half; j++)
                {
                    var index = (quarterStep - (_rotationGroup[j] % quarterStep)) * (_m / quarterStep);
                    var u = values[i + j] + values[i + j + half];
                    var v = (values[i + j] - values[i + j + half]) * _roots[index];
                    values[i + j] = u;
                    values[i + j + half] = v;
                }
            }
        }

        BitReverse(values);
        for (var i = 0; i < size; i++)
        {
            values[i] /= size;
        }
    }

    private static void BitReverse(Complex[] values)
    {
        var n = values.Length;
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
                (values[i], values[j]) = (values[j], values[i]);
            }
        }
    }

    private void CheckCoefficients(int length, string name)
    {
        if (length != Degree)
        {
            ThrowHelper.Argument(name, $"A polynomial of degree {Degree} has {Degree} coefficients.");
        }
    }

    private static void CheckScale(double scale)
    {
        if (!(scale > 0) || !double.IsFinite(scale))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(scale), "The scale is a positive finite number.");
        }
    }
}
