using Obscura.Homomorphic.Arithmetic;
using Obscura.Homomorphic.Internal;

namespace Obscura.Homomorphic.Ring;

/// <summary>
/// The negacyclic number-theoretic transform over Z_q[X]/(X^N+1): <see cref="Forward"/> maps coefficients to
/// evaluations at the odd powers of ψ (in bit-reversed order), where polynomial multiplication is pointwise;
/// <see cref="Inverse"/> maps back. Harvey's butterflies keep intermediate values lazily below 4q and multiply by
/// twiddles with Shoup's precomputed quotients; there are no data-dependent branches.
/// </summary>
public static class Ntt
{
    /// <summary>In place: coefficients (each below q) to NTT form (each below q).</summary>
    /// <exception cref="ArgumentException">The span's length is not N.</exception>
    public static void Forward(Span<ulong> values, NttTables tables) => ForwardCore(values, tables, NttVector.Best);

    /// <summary>Forward transform on a chosen path (tests compare the paths).</summary>
    internal static void ForwardCore(Span<ulong> values, NttTables tables, NttPath path)
    {
        ArgumentNullException.ThrowIfNull(tables);
        CheckLength(values, tables);
        var q = tables.Modulus;
        var twoQ = q.Value << 1;
        var psi = tables.PsiRev;
        var psiShoup = tables.PsiRevShoup;
        var n = tables.Degree;
        for (int m = 1, t = n >> 1; m < n; m <<= 1, t >>= 1)
        {
            for (var i = 0; i < m; i++)
            {
                var w = psi[m + i];
                var wShoup = psiShoup[m + i];
                var top = values.Slice(2 * i * t, t);
                var bottom = values.Slice((2 * i * t) + t, t);
                if (path == NttPath.Avx512 && t >= 8)
                {
                    NttVector.Forward(top, bottom, w, wShoup, q.Value);
                    continue;
                }

                if (path == NttPath.Avx2 && t >= 4)
                {
                    NttVector.Forward256(top, bottom, w, wShoup, q.Value);
                    continue;
                }

                for (var j = 0; j < t; j++)
                {
                    var x = Modulus.ReduceOnce(top[j], twoQ);
                    var y = q.MultiplyShoupLazy(bottom[j], w, wShoup);
                    top[j] = x + y;
                    bottom[j] = unchecked(x - y + twoQ); // x < 2q, y < 2q: the sum is in (0, 4q)
                }
            }
        }

        for (var j = 0; j < values.Length; j++)
        {
            values[j] = Modulus.ReduceOnce(Modulus.ReduceOnce(values[j], twoQ), q.Value);
        }
    }

    /// <summary>In place: NTT form (each below q) back to coefficients (each below q).</summary>
    /// <exception cref="ArgumentException">The span's length is not N.</exception>
    public static void Inverse(Span<ulong> values, NttTables tables) => InverseCore(values, tables, NttVector.Best);

    /// <summary>Inverse transform with the vector path on or off (tests compare the two).</summary>
    internal static void InverseCore(Span<ulong> values, NttTables tables, NttPath path)
    {
        ArgumentNullException.ThrowIfNull(tables);
        CheckLength(values, tables);
        var q = tables.Modulus;
        var twoQ = q.Value << 1;
        var psi = tables.PsiInvRev;
        var psiShoup = tables.PsiInvRevShoup;
        var n = tables.Degree;
        for (int m = n, t = 1; m > 1; m >>= 1, t <<= 1)
        {
            var h = m >> 1;
            for (var i = 0; i < h; i++)
            {
                var w = psi[h + i];
                var wShoup = psiShoup[h + i];
                var top = values.Slice(2 * i * t, t);
                var bottom = values.Slice((2 * i * t) + t, t);
                if (path == NttPath.Avx512 && t >= 8)
                {
                    NttVector.Inverse(top, bottom, w, wShoup, q.Value);
                    continue;
                }

                if (path == NttPath.Avx2 && t >= 4)
                {
                    NttVector.Inverse256(top, bottom, w, wShoup, q.Value);
                    continue;
                }

                for (var j = 0; j < t; j++)
                {
                    var u = top[j];
                    var v = bottom[j];
                    top[j] = Modulus.ReduceOnce(u + v, twoQ);
                    bottom[j] = q.MultiplyShoupLazy(unchecked(u - v + twoQ), w, wShoup);
                }
            }
        }

        for (var j = 0; j < values.Length; j++)
        {
            values[j] = q.MultiplyShoup(values[j], tables.InverseDegree, tables.InverseDegreeShoup);
        }
    }

    private static void CheckLength(Span<ulong> values, NttTables tables)
    {
        if (values.Length != tables.Degree)
        {
            ThrowHelper.Argument(nameof(values), $"The polynomial has {values.Length} coefficients; these tables are for N = {tables.Degree}.");
        }
    }
}
