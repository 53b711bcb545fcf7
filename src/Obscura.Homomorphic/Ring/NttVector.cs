using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Obscura.Homomorphic.Ring;

/// <summary>Which butterflies a transform uses.</summary>
internal enum NttPath
{
    /// <summary>One butterfly at a time.</summary>
    Scalar,

    /// <summary>Four at a time with AVX2.</summary>
    Avx2,

    /// <summary>Eight at a time with AVX-512F/DQ.</summary>
    Avx512,
}

/// <summary>
/// Vector versions of the NTT butterflies, computing exactly what the scalar butterflies compute (the same lazy ranges,
/// bit for bit): eight at a time with AVX-512, four with AVX2. The 64×64→128 high product is assembled from four
/// 32×32 multiplies; the low product uses AVX-512DQ, or three 32×32 multiplies on AVX2. Tests check agreement of
/// every path the CPU has with the scalar path.
/// </summary>
internal static class NttVector
{
    public static bool IsSupported => Avx512F.IsSupported && Avx512DQ.IsSupported;

    /// <summary>The fastest path this CPU supports.</summary>
    public static NttPath Best { get; } = IsSupported ? NttPath.Avx512 : Avx2.IsSupported ? NttPath.Avx2 : NttPath.Scalar;

    /// <summary>Whether this CPU can run <paramref name="path"/>.</summary>
    public static bool Supports(NttPath path) => path switch
    {
        NttPath.Avx512 => IsSupported,
        NttPath.Avx2 => Avx2.IsSupported,
        _ => true,
    };

    /// <summary>Forward butterflies four at a time (AVX2), t a multiple of 4.</summary>
    public static void Forward256(Span<ulong> top, Span<ulong> bottom, ulong w, ulong wShoup, ulong q)
    {
        var twoQ = Vector256.Create(q << 1);
        var qv = Vector256.Create(q);
        var wv = Vector256.Create(w);
        var ws = Vector256.Create(wShoup);
        ref var t0 = ref MemoryMarshal.GetReference(top);
        ref var b0 = ref MemoryMarshal.GetReference(bottom);
        for (var j = 0; j + 4 <= top.Length && j + 4 <= bottom.Length; j += 4)
        {
            var x = ReduceOnce(Vector256.LoadUnsafe(ref t0, (nuint)j), twoQ);
            var y = MultiplyShoupLazy(Vector256.LoadUnsafe(ref b0, (nuint)j), wv, ws, qv);
            (x + y).StoreUnsafe(ref t0, (nuint)j);
            (x - y + twoQ).StoreUnsafe(ref b0, (nuint)j);
        }
    }

    /// <summary>Inverse butterflies four at a time (AVX2), t a multiple of 4.</summary>
    public static void Inverse256(Span<ulong> top, Span<ulong> bottom, ulong w, ulong wShoup, ulong q)
    {
        var twoQ = Vector256.Create(q << 1);
        var qv = Vector256.Create(q);
        var wv = Vector256.Create(w);
        var ws = Vector256.Create(wShoup);
        ref var t0 = ref MemoryMarshal.GetReference(top);
        ref var b0 = ref MemoryMarshal.GetReference(bottom);
        for (var j = 0; j + 4 <= top.Length && j + 4 <= bottom.Length; j += 4)
        {
            var u = Vector256.LoadUnsafe(ref t0, (nuint)j);
            var v = Vector256.LoadUnsafe(ref b0, (nuint)j);
            ReduceOnce(u + v, twoQ).StoreUnsafe(ref t0, (nuint)j);
            MultiplyShoupLazy(u - v + twoQ, wv, ws, qv).StoreUnsafe(ref b0, (nuint)j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> ReduceOnce(Vector256<ulong> x, Vector256<ulong> m)
    {
        var d = x - m;
        var negative = Vector256.ShiftRightArithmetic(d.AsInt64(), 63).AsUInt64();
        return d + (m & negative);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> MultiplyShoupLazy(Vector256<ulong> x, Vector256<ulong> w, Vector256<ulong> wShoup, Vector256<ulong> q)
    {
        var quotient = MultiplyHigh(x, wShoup);
        return MultiplyLow(x, w) - MultiplyLow(quotient, q);
    }

    /// <summary>The low 64 bits of each 64×64-bit product: aLo·bLo + ((aHi·bLo + aLo·bHi) &lt;&lt; 32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> MultiplyLow(Vector256<ulong> a, Vector256<ulong> b)
    {
        var aHi = Vector256.ShiftRightLogical(a, 32);
        var bHi = Vector256.ShiftRightLogical(b, 32);
        var cross = Avx2.Multiply(aHi.AsUInt32(), b.AsUInt32()) + Avx2.Multiply(a.AsUInt32(), bHi.AsUInt32());
        return Avx2.Multiply(a.AsUInt32(), b.AsUInt32()) + Vector256.ShiftLeft(cross, 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> MultiplyHigh(Vector256<ulong> a, Vector256<ulong> b)
    {
        var low32 = Vector256.Create(0xFFFF_FFFFUL);
        var aHi = Vector256.ShiftRightLogical(a, 32);
        var bHi = Vector256.ShiftRightLogical(b, 32);
        var lowLow = Avx2.Multiply(a.AsUInt32(), b.AsUInt32());
        var highLow = Avx2.Multiply(aHi.AsUInt32(), b.AsUInt32());
        var lowHigh = Avx2.Multiply(a.AsUInt32(), bHi.AsUInt32());
        var highHigh = Avx2.Multiply(aHi.AsUInt32(), bHi.AsUInt32());
        var cross = Vector256.ShiftRightLogical(lowLow, 32) + (highLow & low32) + (lowHigh & low32);
        return highHigh + Vector256.ShiftRightLogical(highLow, 32) + Vector256.ShiftRightLogical(lowHigh, 32) + Vector256.ShiftRightLogical(cross, 32);
    }

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
