using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Obscura.Homomorphic.Ring;

/// <summary>
/// AVX-512 versions of the NTT butterflies, eight at a time, computing exactly what the scalar butterflies compute
/// (the same lazy ranges, bit for bit). The 64×64→128 high product is assembled from four 32×32 multiplies; the low
/// product uses AVX-512DQ. Used only when <see cref="IsSupported"/>; tests check agreement with the scalar path.
/// </summary>
internal static class NttVector
{
    public static bool IsSupported => Avx512F.IsSupported && Avx512DQ.IsSupported;

    /// <summary>Forward (Cooley–Tukey) butterflies over top[0..t) and bottom[0..t), t a multiple of 8.</summary>
    public static void Forward(Span<ulong> top, Span<ulong> bottom, ulong w, ulong wShoup, ulong q)
    {
        var twoQ = Vector512.Create(q << 1);
        var qv = Vector512.Create(q);
        var wv = Vector512.Create(w);
        var ws = Vector512.Create(wShoup);
        ref var t0 = ref MemoryMarshal.GetReference(top);
        ref var b0 = ref MemoryMarshal.GetReference(bottom);
        for (var j = 0; j + 8 <= top.Length && j + 8 <= bottom.Length; j += 8)
        {
            var x = ReduceOnce(Vector512.LoadUnsafe(ref t0, (nuint)j), twoQ);
            var y = MultiplyShoupLazy(Vector512.LoadUnsafe(ref b0, (nuint)j), wv, ws, qv);
            (x + y).StoreUnsafe(ref t0, (nuint)j);
            (x - y + twoQ).StoreUnsafe(ref b0, (nuint)j);
        }
    }

    /// <summary>Inverse (Gentleman–Sande) butterflies over top[0..t) and bottom[0..t), t a multiple of 8.</summary>
    public static void Inverse(Span<ulong> top, Span<ulong> bottom, ulong w, ulong wShoup, ulong q)
    {
        var twoQ = Vector512.Create(q << 1);
        var qv = Vector512.Create(q);
        var wv = Vector512.Create(w);
        var ws = Vector512.Create(wShoup);
        ref var t0 = ref MemoryMarshal.GetReference(top);
        ref var b0 = ref MemoryMarshal.GetReference(bottom);
        for (var j = 0; j + 8 <= top.Length && j + 8 <= bottom.Length; j += 8)
        {
            var u = Vector512.LoadUnsafe(ref t0, (nuint)j);
            var v = Vector512.LoadUnsafe(ref b0, (nuint)j);
            ReduceOnce(u + v, twoQ).StoreUnsafe(ref t0, (nuint)j);
            MultiplyShoupLazy(u - v + twoQ, wv, ws, qv).StoreUnsafe(ref b0, (nuint)j);
        }
    }

    /// <summary>x − m where x ≥ m, else x, by sign mask (no branch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> ReduceOnce(Vector512<ulong> x, Vector512<ulong> m)
    {
        var d = x - m;
        var negative = Vector512.ShiftRightArithmetic(d.AsInt64(), 63).AsUInt64();
        return d + (m & negative);
    }

    /// <summary>x·w − ⌊x·wShoup / 2^64⌋·q (mod 2^64): the scalar MultiplyShoupLazy, eight lanes at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> MultiplyShoupLazy(Vector512<ulong> x, Vector512<ulong> w, Vector512<ulong> wShoup, Vector512<ulong> q)
    {
        var quotient = MultiplyHigh(x, wShoup);
        return Avx512DQ.MultiplyLow(x, w) - Avx512DQ.MultiplyLow(quotient, q);
    }

    /// <summary>The upper 64 bits of each 64×64-bit product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> MultiplyHigh(Vector512<ulong> a, Vector512<ulong> b)
    {
        var low32 = Vector512.Create(0xFFFF_FFFFUL);
        var aHi = Vector512.ShiftRightLogical(a, 32);
        var bHi = Vector512.ShiftRightLogical(b, 32);
        var lowLow = Avx512F.Multiply(a.AsUInt32(), b.AsUInt32());
        var highLow = Avx512F.Multiply(aHi.AsUInt32(), b.AsUInt32());
        var lowHigh = Avx512F.Multiply(a.AsUInt32(), bHi.AsUInt32());
        var highHigh = Avx512F.Multiply(aHi.AsUInt32(), bHi.AsUInt32());
        var cross = Vector512.ShiftRightLogical(lowLow, 32) + (highLow & low32) + (lowHigh & low32);
        return highHigh + Vector512.ShiftRightLogical(highLow, 32) + Vector512.ShiftRightLogical(lowHigh, 32) + Vector512.ShiftRightLogical(cross, 32);
    }
}
