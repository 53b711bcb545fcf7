using System.Numerics;
using Obscura.Homomorphic.Internal;

namespace Obscura.Homomorphic.Arithmetic;

/// <summary>Primality and NTT-friendly prime generation for 64-bit words (public parameters only; not constant-time).</summary>
public static class Primes
{
    // Deterministic Miller–Rabin witnesses for every n < 2^64 (Jaeschke; Sinclair's set is smaller but these are classic).
    private static readonly ulong[] Witnesses = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];

    /// <summary>Whether <paramref name="n"/> is prime (deterministic for all 64-bit inputs).</summary>
    public static bool IsPrime(ulong n)
    {
        if (n < 2)
        {
            return false;
        }

        foreach (var p in Witnesses)
        {
            if (n == p)
            {
                return true;
            }

            if (n % p == 0)
            {
                return false;
            }
        }

        var d = n - 1;
        var s = BitOperations.TrailingZeroCount(d);
        d >>= s;
        foreach (var a in Witnesses)
        {
            var x = PowMod(a, d, n);
            if (x == 1 || x == n - 1)
            {
                continue;
            }

            var composite = true;
            for (var r = 1; r < s; r++)
            {
                x = MulMod(x, x, n);
                if (x == n - 1)
                {
                    composite = false;
                    break;
                }
            }

            if (composite)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The <paramref name="count"/> largest primes of exactly <paramref name="bitSize"/> bits with q ≡ 1 (mod 2N),
    /// in decreasing order: the moduli for which the negacyclic NTT of size <paramref name="polyDegree"/> exists.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The bit size is outside 20–60, N is not a power of two in 2–65536, or count is not positive.</exception>
    /// <exception cref="InvalidOperationException">Fewer than <paramref name="count"/> such primes exist.</exception>
    public static IReadOnlyList<ulong> NttFriendly(int bitSize, int polyDegree, int count)
    {
        if (bitSize is < 20 or > 60)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(bitSize), "NTT primes are 20 to 60 bits.");
        }

        if (polyDegree < 2 || polyDegree > 65536 || !BitOperations.IsPow2(polyDegree))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(polyDegree), "The ring degree is a power of two between 2 and 65536.");
        }

        if (count < 1)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(count), "Ask for at least one prime.");
        }

        var step = 2UL * (ulong)polyDegree;
        var lower = 1UL << (bitSize - 1);
        var candidate = (((1UL << bitSize) - 1) / step * step) + 1;
        if (candidate >= 1UL << bitSize)
        {
            candidate -= step;
        }

        var found = new List<ulong>(count);
        for (; candidate > lower && found.Count < count; candidate -= step)
        {
            if (IsPrime(candidate))
            {
                found.Add(candidate);
            }
        }

        return found.Count == count
            ? found
            : throw new InvalidOperationException($"Only {found.Count} primes of {bitSize} bits are 1 mod {step}.");
    }

    /// <summary>
    /// The smallest primitive 2N-th root of unity modulo the prime q (ψ with ψ^N ≡ −1), which defines the negacyclic
    /// NTT. Choosing the smallest makes the transform, and everything serialised in the NTT domain, canonical.
    /// </summary>
    /// <exception cref="ArgumentException">q is not a prime ≡ 1 (mod 2N).</exception>
    public static ulong MinimalPrimitiveRoot(ulong q, int polyDegree)
    {
        var twoN = 2UL * (ulong)polyDegree;
        if (!BitOperations.IsPow2(polyDegree) || !IsPrime(q) || (q - 1) % twoN != 0)
        {
            ThrowHelper.Argument(nameof(q), "The modulus must be a prime congruent to 1 modulo 2N.");
        }

        // Any x^((q-1)/2N) with ψ^N = −1 is primitive of order 2N; the rest are its odd powers.
        var exponent = (q - 1) / twoN;
        ulong root = 0;
        for (ulong x = 2; root == 0; x++)
        {
            var candidate = PowMod(x, exponent, q);
            if (PowMod(candidate, (ulong)polyDegree, q) == q - 1)
            {
                root = candidate;
            }
        }

        var square = MulMod(root, root, q);
        var smallest = root;
        var current = root;
        for (var i = 1; i < polyDegree; i++)
        {
            current = MulMod(current, square, q);
            smallest = Math.Min(smallest, current);
        }

        return smallest;
    }

    internal static ulong MulMod(ulong a, ulong b, ulong m) => (ulong)((UInt128)a * b % m);

    internal static ulong PowMod(ulong a, ulong e, ulong m)
    {
        ulong result = 1 % m;
        a %= m;
        while (e > 0)
        {
            if ((e & 1) == 1)
            {
                result = MulMod(result, a, m);
            }

            a = MulMod(a, a, m);
            e >>= 1;
        }

        return result;
    }
}
