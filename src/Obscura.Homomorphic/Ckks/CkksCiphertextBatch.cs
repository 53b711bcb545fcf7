using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Obscura.Homomorphic.Internal;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Ckks;

/// <summary>
/// Ciphertexts of one parameter set, level and scale, packed for sums weighted by small integers: Σ w_c·ct_c with
/// |w_c| ≤ <see cref="MaxWeight"/>. Such a sum is linear, so it needs no key and adds no key-switching noise: its error
/// is Σ w_c·e_c. Every prime up to the batch's level must be below 2^32, so each residue is stored in 32 bits (half of
/// what a <see cref="CkksCiphertext"/> holds in memory), as two signed 16-bit halves, one plane each. For each limb, component and coefficient, the residues of all ciphertexts lie next to each other, so
/// a sum streams the batch once, front to back, at the level asked for (the limbs above it are never read).
/// Immutable; thread-safe.
/// </summary>
/// <remarks>
/// The products use AVX2's 16 × 16-bit multiply-add of adjacent pairs (sixteen products per instruction) where the CPU
/// has it, and the scalar reference otherwise; both give the same residues, bit for bit. With |w| ≤ 2^10 and halves of
/// at most 2^15 in magnitude, an adjacent pair is below 2^26, and 32-bit lanes are widened to 64 bits after at most 16
/// vectors (256 ciphertexts), so no lane overflows. A sum over at most <see cref="MaxCount"/> ciphertexts stays below
/// 2^55 in magnitude before its one reduction modulo q, which runs in constant time (the weights may be secret).
/// </remarks>
public sealed class CkksCiphertextBatch
{
    /// <summary>The largest magnitude of a weight.</summary>
    public const int MaxWeight = 1 << 10;

    /// <summary>The most ciphertexts one batch holds.</summary>
    public const int MaxCount = 4096;

    private const int Lanes = 16;
    private const int VectorsPerWidening = 16;
    private const long SplitOffset = (1L << 31) + (1 << 15);

    private readonly short[] _planes;
    private readonly int _stride;

    private CkksCiphertextBatch(CkksParameters parameters, int count, int level, double scale, int stride, short[] planes)
    {
        Parameters = parameters;
        Count = count;
        Level = level;
        Scale = scale;
        _stride = stride;
        _planes = planes;
    }

    /// <summary>The parameter set.</summary>
    public CkksParameters Parameters { get; }

    /// <summary>How many ciphertexts the batch holds.</summary>
    public int Count { get; }

    /// <summary>The level ℓ of every ciphertext (limbs q_0 … q_ℓ are stored).</summary>
    public int Level { get; }

    /// <summary>The scale of every ciphertext.</summary>
    public double Scale { get; }

    /// <summary>Memory the packed residues take, in bytes.</summary>
    public long SizeInBytes => (long)_planes.Length * sizeof(short);

    /// <summary>Packs <paramref name="ciphertexts"/>; the batch keeps no reference to them.</summary>
    /// <exception cref="ArgumentException">
    /// The list is empty or longer than <see cref="MaxCount"/>, the ciphertexts differ in parameter set, level or scale,
    /// or a prime up to their level is not below 2^32.
    /// </exception>
    public static CkksCiphertextBatch Create(IReadOnlyList<CkksCiphertext> ciphertexts)
    {
        ArgumentNullException.ThrowIfNull(ciphertexts);
        if (ciphertexts.Count is 0 or > MaxCount)
        {
            ThrowHelper.Argument(nameof(ciphertexts), $"A batch holds 1 to {MaxCount} ciphertexts.");
        }

        var first = ciphertexts[0] ?? throw new ArgumentNullException(nameof(ciphertexts));
        var p = first.Parameters;
        for (var i = 0; i < ciphertexts.Count; i++)
        {
            var c = ciphertexts[i] ?? throw new ArgumentNullException(nameof(ciphertexts));
            p.EnsureSame(c.Parameters, nameof(ciphertexts));
            if (c.Level != first.Level || Math.Abs(c.Scale - first.Scale) > 1e-9 * first.Scale)
            {
                ThrowHelper.Argument(nameof(ciphertexts), $"Ciphertext {i} differs from ciphertext 0 in level or scale.");
            }
        }

        for (var i = 0; i <= first.Level; i++)
        {
            if (p.ModulusAt(i).Value >= 1UL << 32)
            {
                ThrowHelper.Argument(nameof(ciphertexts), $"Prime q_{i} has {p.ModulusAt(i).BitCount} bits; a batch needs every prime up to the level below 2^32.");
            }
        }

        var n = p.PolyDegree;
        var stride = (ciphertexts.Count + Lanes - 1) / Lanes * Lanes;
        var rows = (first.Level + 1) * 2 * n;
        var length = (long)rows * 2 * stride;
        if (length > Array.MaxLength)
        {
            ThrowHelper.Argument(nameof(ciphertexts), "The batch would not fit in one array; pack fewer ciphertexts or fewer limbs.");
        }

        var planes = new short[length];
        for (var c = 0; c < ciphertexts.Count; c++)
        {
            for (var limb = 0; limb <= first.Level; limb++)
            {
                for (var component = 0; component < 2; component++)
                {
                    var residues = (component == 0 ? ciphertexts[c].C0 : ciphertexts[c].C1).Limb(limb);
                    var rowBase = (long)((limb * 2) + component) * n;
                    for (var k = 0; k < n; k++)
                    {
                        var (low, high) = Split(residues[k]);
                        var offset = (((rowBase + k) * 2) * stride) + c;
                        planes[offset] = low;
                        planes[offset + stride] = high;
                    }
                }
            }
        }

        return new CkksCiphertextBatch(p, ciphertexts.Count, first.Level, first.Scale, stride, planes);
    }

    /// <summary>
    /// Σ weights[c]·ct_c at <paramref name="level"/> (default: the batch's level; the limbs above it are dropped without
    /// dividing, so values and scale are unchanged), as a ciphertext of scale <see cref="Scale"/> × <paramref name="weightScale"/>:
    /// the integers weights[c] encode the real weights weights[c] / <paramref name="weightScale"/>. Rows are split across
    /// cores (or <paramref name="maxDegreeOfParallelism"/>); the result does not depend on how.
    /// </summary>
    /// <exception cref="ArgumentException">Not one weight per ciphertext, a weight above <see cref="MaxWeight"/> in magnitude, a weight scale that is not a finite positive number, or a level outside 0 … <see cref="Level"/>.</exception>
    public CkksCiphertext WeightedSum(ReadOnlySpan<int> weights, double weightScale, int? level = null, int? maxDegreeOfParallelism = null) =>
        WeightedSumCore(weights, weightScale, level ?? Level, maxDegreeOfParallelism, Avx2.IsSupported);

    /// <summary>Whether <see cref="WeightedSum"/> runs on the vector path on this CPU.</summary>
    internal static bool IsVectorised => Avx2.IsSupported;

    /// <summary><see cref="WeightedSum"/> on the vector path or the scalar reference (tests compare the two).</summary>
    internal CkksCiphertext WeightedSumCore(ReadOnlySpan<int> weights, double weightScale, int level, int? maxDegreeOfParallelism, bool vectorised)
    {
        if (weights.Length != Count)
        {
            ThrowHelper.Argument(nameof(weights), $"A sum over this batch takes {Count} weights.");
        }

        if (!double.IsFinite(weightScale) || weightScale <= 0)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(weightScale), "The weight scale is a finite positive number.");
        }

        if (level < 0 || level > Level)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(level), $"The level is between 0 and the batch's level {Level}.");
        }

        var padded = new short[_stride];
        var outOfRange = 0;
        long weightSum = 0;
        for (var c = 0; c < weights.Length; c++)
        {
            var w = weights[c];
            outOfRange |= (w > MaxWeight ? 1 : 0) | (w < -MaxWeight ? 1 : 0);
            padded[c] = unchecked((short)w);
            weightSum += w;
        }

        if (outOfRange != 0)
        {
            Array.Clear(padded);
            ThrowHelper.ArgumentOutOfRange(nameof(weights), $"Every weight is between −{MaxWeight} and {MaxWeight}.");
        }

        var n = Parameters.PolyDegree;
        var c0 = new RnsPolynomial(n, level + 1, isNtt: true);
        var c1 = new RnsPolynomial(n, level + 1, isNtt: true);
        var rowsPerTask = Math.Min(256, n);
        var rows = (level + 1) * 2 * n;
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism ?? Environment.ProcessorCount };
        Parallel.For(0, rows / rowsPerTask, options, task =>
        {
            var sums = new long[rowsPerTask];
            var first = task * rowsPerTask;
            if (vectorised)
            {
                SumRowsAvx2(first, sums, padded);
            }
            else
            {
                SumRowsScalar(first, sums, padded);
            }

            var limb = first / (2 * n);
            var component = first / n % 2;
            var q = Parameters.ModulusAt(limb);
            var target = (component == 0 ? c0 : c1).Limb(limb).Slice(first % n, rowsPerTask);
            // The halves' sum and the offset term are each below 2^54 in magnitude; a multiple of q just above 2^56 makes
            // the total non-negative and below 2^58, and Barrett reduces it in constant time.
            var offset = (weightSum * SplitOffset) + (long)(((1UL << 56) / q.Value) + 1) * (long)q.Value;
            for (var r = 0; r < sums.Length; r++)
            {
                target[r] = q.Reduce(unchecked((ulong)(sums[r] + offset)));
            }

            Array.Clear(sums);
        });

        Array.Clear(padded);
        return new CkksCiphertext(Parameters, c0, c1, level, Scale * weightScale);
    }

    /// <summary>A residue r &lt; 2^32 as two signed 16-bit halves with r = 2^16·high + low + <see cref="SplitOffset"/>.</summary>
    private static (short Low, short High) Split(ulong residue) =>
        (unchecked((short)((int)(residue & 0xFFFF) - 0x8000)), unchecked((short)((int)(residue >> 16) - 0x8000)));

    private void SumRowsScalar(int firstRow, Span<long> sums, short[] weights)
    {
        for (var r = 0; r < sums.Length; r++)
        {
            var row = _planes.AsSpan((int)((long)(firstRow + r) * 2 * _stride), 2 * _stride);
            long low = 0;
            long high = 0;
            for (var c = 0; c < _stride; c++)
            {
                low += row[c] * weights[c];
                high += row[_stride + c] * weights[c];
            }

            sums[r] = (high << 16) + low;
        }
    }

    private void SumRowsAvx2(int firstRow, Span<long> sums, short[] weights)
    {
        var vectors = _stride / Lanes;
        ref var w = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<short, Vector256<short>>(weights.AsSpan()));
        for (var r = 0; r < sums.Length; r++)
        {
            var row = MemoryMarshal.Cast<short, Vector256<short>>(_planes.AsSpan((int)((long)(firstRow + r) * 2 * _stride), 2 * _stride));
            ref var low = ref MemoryMarshal.GetReference(row);
            ref var high = ref Unsafe.Add(ref low, vectors);
            var lowSum = Vector256<long>.Zero;
            var highSum = Vector256<long>.Zero;
            for (var start = 0; start < vectors; start += VectorsPerWidening)
            {
                var end = Math.Min(vectors, start + VectorsPerWidening);
                var lowLanes = Vector256<int>.Zero;
                var highLanes = Vector256<int>.Zero;
                for (var k = start; k < end; k++)
                {
                    var weight = Unsafe.Add(ref w, k);
                    lowLanes += Avx2.MultiplyAddAdjacent(Unsafe.Add(ref low, k), weight);
                    highLanes += Avx2.MultiplyAddAdjacent(Unsafe.Add(ref high, k), weight);
                }

                var (lowLower, lowUpper) = Vector256.Widen(lowLanes);
                var (highLower, highUpper) = Vector256.Widen(highLanes);
                lowSum += lowLower + lowUpper;
                highSum += highLower + highUpper;
            }

            sums[r] = unchecked((Vector256.Sum(highSum) << 16) + Vector256.Sum(lowSum));
        }
    }
}
