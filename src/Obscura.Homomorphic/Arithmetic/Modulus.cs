using System.Numerics;
using System.Runtime.CompilerServices;
using Obscura.Homomorphic.Internal;

namespace Obscura.Homomorphic.Arithmetic;

/// <summary>
/// An odd modulus q with 2 ≤ q &lt; 2^<see cref="MaxBits"/> and its precomputed Barrett constant, for constant-time
/// modular arithmetic on 64-bit words. The bound leaves two spare bits so that lazy NTT butterflies can hold values
/// below 4q without overflow.
/// </summary>
/// <remarks>
/// The arithmetic methods take operands already reduced below q (lazy variants say otherwise) and do not validate
/// them on hot paths; they use no secret-dependent branches: conditional subtractions are done with masks.
/// </remarks>
public sealed class Modulus : IEquatable<Modulus>
{
    /// <summary>The largest modulus bit length supported.</summary>
    public const int MaxBits = 61;

    private readonly ulong _barrettHi;
    private readonly ulong _barrettLo;

    /// <summary>Creates a modulus.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is below 2, even, or not below 2^61.</exception>
    public Modulus(ulong value)
    {
        if (value < 3 || value >= 1UL << MaxBits || (value & 1) == 0)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(value), $"A modulus is odd, at least 3 and below 2^{MaxBits}.");
        }

        Value = value;
        BitCount = 64 - BitOperations.LeadingZeroCount(value);
        var ratio = UInt128.MaxValue / value; // floor((2^128 - 1) / q) == floor(2^128 / q) for q not a power of two
        _barrettHi = (ulong)(ratio >> 64);
        _barrettLo = unchecked((ulong)ratio); // low word
    }

    /// <summary>q.</summary>
    public ulong Value { get; }

    /// <summary>Number of significant bits of q.</summary>
    public int BitCount { get; }

    /// <summary>(a + b) mod q for a, b &lt; q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Add(ulong a, ulong b) => ReduceOnce(a + b, Value);

    /// <summary>(a − b) mod q for a, b &lt; q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Subtract(ulong a, ulong b)
    {
        // Wrap-around is the algorithm: a − b < 0 shows as the top bit, and adding q back wraps to the result.
        unchecked
        {
            var d = a - b;
            return d + (Value & (0UL - (d >> 63)));
        }
    }

    /// <summary>(−a) mod q for a &lt; q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Negate(ulong a) => unchecked((Value - a) & (0UL - ((a | (0UL - a)) >> 63)));

    /// <summary>(a · b) mod q for a, b &lt; q (Barrett reduction of the 128-bit product).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Multiply(ulong a, ulong b)
    {
        var hi = Math.BigMul(a, b, out var lo);
        return Reduce128(hi, lo);
    }

    /// <summary>x mod q for any 64-bit x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Reduce(ulong x)
    {
        // One-word Barrett with m = floor(2^64 / q) (the high word of the two-word constant): the estimate
        // floor(x·m / 2^64) is at most two below floor(x / q), so the remainder is below 3q < 2^63.
        unchecked
        {
            var estimate = Math.BigMul(x, _barrettHi, out _);
            var r = x - (estimate * Value);
            r = ReduceOnce(r, Value);
            return ReduceOnce(r, Value);
        }
    }

    /// <summary>(hi·2^64 + lo) mod q, for any value below q·2^64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Reduce128(ulong hi, ulong lo)
    {
        // Barrett: estimate floor(x / q) as the bits 128…191 of x · floor(2^128 / q), summing only the partial
        // products that reach them; the estimate is at most one too small, so one conditional subtraction follows.
        unchecked
        {
            var carry = Math.BigMul(lo, _barrettLo, out _);
            var midHi = Math.BigMul(lo, _barrettHi, out var midLo);
            var sum = midLo + carry;
            var upper = midHi + (sum < carry ? 1UL : 0UL);
            var crossHi = Math.BigMul(hi, _barrettLo, out var crossLo);
            sum += crossLo;
            var carry2 = crossHi + (sum < crossLo ? 1UL : 0UL);
            var quotient = (hi * _barrettHi) + upper + carry2;
            return ReduceOnce(lo - (quotient * Value), Value);
        }
    }

    /// <summary>a^e mod q by square-and-multiply over all 64 exponent bits (time independent of e's value).</summary>
    public ulong Power(ulong a, ulong e)
    {
        ulong result = 1, b = Reduce(a);
        for (var i = 0; i < 64; i++)
        {
            var product = Multiply(result, b);
            var take = unchecked(0UL - ((e >> i) & 1));
            result = (product & take) | (result & ~take);
            b = Multiply(b, b);
        }

        return result;
    }

    /// <summary>The inverse of a modulo q, when q is prime and a ≢ 0.</summary>
    /// <exception cref="ArgumentException">a ≡ 0 mod q.</exception>
    public ulong InversePrime(ulong a)
    {
        if (Reduce(a) == 0)
        {
            ThrowHelper.Argument(nameof(a), "Zero has no inverse.");
        }

        return Power(a, Value - 2);
    }

    /// <summary>Shoup's precomputed quotient floor(w · 2^64 / q) for a fixed multiplicand w &lt; q.</summary>
    public ulong ShoupPrecompute(ulong w) => (ulong)(((UInt128)w << 64) / Value);

    /// <summary>(x · w) mod q for any 64-bit x and fixed w &lt; q with its <see cref="ShoupPrecompute"/>; result below q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong MultiplyShoup(ulong x, ulong w, ulong wShoup) => ReduceOnce(MultiplyShoupLazy(x, w, wShoup), Value);

    /// <summary>(x · w) mod q up to one multiple of q: the result is below 2q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong MultiplyShoupLazy(ulong x, ulong w, ulong wShoup)
    {
        var quotient = Math.BigMul(x, wShoup, out _);
        return unchecked((x * w) - (quotient * Value)); // exact modulo 2^64: the true value is below 2q
    }

    /// <inheritdoc />
    public bool Equals(Modulus? other) => other is not null && other.Value == Value;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Modulus);

    /// <inheritdoc />
    public override int GetHashCode() => Value.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => $"Modulus({Value}, {BitCount} bits)";

    /// <summary>x − q when x ≥ q, else x; for x &lt; 2q, branch-free.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong ReduceOnce(ulong x, ulong q)
    {
        unchecked
        {
            var d = x - q;
            return d + (q & (0UL - (d >> 63)));
        }
    }
}
