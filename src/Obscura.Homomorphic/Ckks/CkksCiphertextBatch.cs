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
    /// The ciphertext at <paramref name="index"/>, unpacked (every residue as it was packed): for storing or sending a
    /// batch one ciphertext at a time through <see cref="CkksSerializer"/>, whose reader checks each residue again.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not between 0 and <see cref="Count"/> − 1.</exception>
    public CkksCiphertext Ciphertext(int index)
    {
        if (index < 0 || index >= Count)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(index), $"The index is between 0 and {Count - 1}.");
        }

        var n = Parameters.PolyDegree;
        var c0 = new RnsPolynomial(n, Level + 1, isNtt: true);
        var c1 = new RnsPolynomial(n, Level + 1, isNtt: true);
        for (var limb = 0; limb <= Level; limb++)
        {
            for (var component = 0; component < 2; component++)
            {
                var residues = (component == 0 ? c0 : c1).Limb(limb);
                var rowBase = (long)((limb * 2) + component) * n;
                for (var k = 0; k < n; k++)
                {
                    var offset = (((rowBase + k) * 2) * _stride) + index;
                    residues[k] = Join(_planes[offset], _planes[offset + _stride]);
                }
            }
        }

        return new CkksCiphertext(Parameters, c0, c1, Level, Scale);
    }

    /// <summary>
    /// Σ weights[c]·ct_c at <paramref name="level"/> (default: the batch's level; the limbs above it are dropped without
    /// dividing, so values and scale are unchanged), as a ciphertext of scale <see cref="Scale"/> × <paramref name="weightScale"/>:
    /// the integers weights[c] encode the real weights weights[c] / <paramref name="weightScale"/>. Rows are split across
    /// cores (or <paramref name="maxDegreeOfParallelism"/>); the result does not depend on how.
    /// </summary>
    /// <exception cref="ArgumentException">Not one weight per ciphertext, a weight above <see cref="MaxWeight"/> in magnitude, a weight scale that is not a finite positive number, or a level outside 0 … <see cref="Level"/>.</exception>
    public CkksCiphertext WeightedSum(ReadOnlySpan<int> weights, double weightScale, int? level = null, int? maxDegreeOfParallelism = null) =>
        WeightedSumsCore([weights.ToArray()], weightScale, level ?? Level, maxDegreeOfParallelism, Avx2.IsSupported)[0];

    /// <summary>
    /// Several weighted sums in one pass over the batch, each as <see cref="WeightedSum"/> computes it: every row of
    /// residues is read once for all of them, so k sums cost about one pass of memory and k of arithmetic (a linear map
    /// applied to the whole batch, as when a gallery is renewed).
    /// </summary>
    /// <exception cref="ArgumentException">As for <see cref="WeightedSum"/>, for any of the weight vectors, or none is given.</exception>
    public CkksCiphertext[] WeightedSums(IReadOnlyList<int[]> weights, double weightScale, int? level = null, int? maxDegreeOfParallelism = null) =>
        WeightedSumsCore(weights, weightScale, level ?? Level, maxDegreeOfParallelism, Avx2.IsSupported);

    /// <summary>Whether <see cref="WeightedSum"/> runs on the vector path on this CPU.</summary>
    internal static bool IsVectorised => Avx2.IsSupported;

    /// <summary>The weighted sums on the vector path or the scalar reference (tests compare the two).</summary>
    internal CkksCiphertext[] WeightedSumsCore(IReadOnlyList<int[]> weights, double weightScale, int level, int? maxDegreeOfParallelism, bool vectorised)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count == 0 || weights.Any(w => w is null || w.Length != Count))
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

        // Each weight vector padded to the stride as 16-bit integers, one after another.
        var sums = weights.Count;
        var padded = new short[sums * _stride];
        var weightSums = new long[sums];
        var outOfRange = 0;
        for (var k = 0; k < sums; k++)
        {
            for (var c = 0; c < Count; c++)
            {
                var w = weights[k][c];
                outOfRange |= (w > MaxWeight ? 1 : 0) | (w < -MaxWeight ? 1 : 0);
                padded[(k * _stride) + c] = unchecked((short)w);
                weightSums[k] += w;
            }
        }

        if (outOfRange != 0)
        {
            Array.Clear(padded);
            ThrowHelper.ArgumentOutOfRange(nameof(weights), $"Every weight is between −{MaxWeight} and {MaxWeight}.");
        }

        var n = Parameters.PolyDegree;
        var c0 = new RnsPolynomial[sums];
        var c1 = new RnsPolynomial[sums];
        for (var k = 0; k < sums; k++)
        {
            c0[k] = new RnsPolynomial(n, level + 1, isNtt: true);
            c1[k] = new RnsPolynomial(n, level + 1, isNtt: true);
        }

        var rowsPerTask = Math.Min(256, n);
        var rows = (level + 1) * 2 * n;
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism ?? Environment.ProcessorCount };
        Parallel.For(0, rows / rowsPerTask, options, task =>
        {
            var totals = new long[sums * rowsPerTask];
            var first = task * rowsPerTask;
            if (vectorised)
            {
                SumRowsAvx2(first, rowsPerTask, totals, padded);
            }
            else
            {
                SumRowsScalar(first, rowsPerTask, totals, padded);
            }

            var limb = first / (2 * n);
            var component = first / n % 2;
            var q = Parameters.ModulusAt(limb);
            for (var k = 0; k < sums; k++)
            {
                var target = (component == 0 ? c0[k] : c1[k]).Limb(limb).Slice(first % n, rowsPerTask);

                // The halves' sum and the offset term are each below 2^54 in magnitude; a multiple of q just above 2^56
                // makes the total non-negative and below 2^58, and Barrett reduces it in constant time.
                var offset = (weightSums[k] * SplitOffset) + (long)(((1UL << 56) / q.Value) + 1) * (long)q.Value;
                for (var r = 0; r < rowsPerTask; r++)
                {
                    target[r] = q.Reduce(unchecked((ulong)(totals[(r * sums) + k] + offset)));
                }
            }

            Array.Clear(totals);
        });

        Array.Clear(padded);
        Array.Clear(weightSums);
        var results = new CkksCiphertext[sums];
        for (var k = 0; k < sums; k++)
        {
            results[k] = new CkksCiphertext(Parameters, c0[k], c1[k], level, Scale * weightScale);
        }

        return results;
    }

    /// <summary>A residue r &lt; 2^32 as two signed 16-bit halves with r = 2^16·high + low + <see cref="SplitOffset"/>.</summary>
    private static (short Low, short High) Split(ulong residue) =>
        (unchecked((short)((int)(residue & 0xFFFF) - 0x8000)), unchecked((short)((int)(residue >> 16) - 0x8000)));

    /// <summary>The residue <see cref="Split"/> took apart.</summary>
    private static ulong Join(short low, short high) => ((ulong)(uint)(high + 0x8000) << 16) + (uint)(low + 0x8000);

    /// <summary>totals[r·k + j] = Σ_c weights_j[c]·(2^16·high + low) of row firstRow + r, for each weight vector j.</summary>
    private void SumRowsScalar(int firstRow, int rowCount, long[] totals, short[] weights)
    {
        var sums = weights.Length / _stride;
        for (var r = 0; r < rowCount; r++)
        {
            var row = _planes.AsSpan((int)((long)(firstRow + r) * 2 * _stride), 2 * _stride);
            for (var k = 0; k < sums; k++)
            {
                var w = weights.AsSpan(k * _stride, _stride);
                long low = 0;
                long high = 0;
                for (var c = 0; c < _stride; c++)
                {
                    low += row[c] * w[c];
                    high += row[_stride + c] * w[c];
                }

                totals[(r * sums) + k] = (high << 16) + low;
            }
        }
    }

    /// <summary>As <see cref="SumRowsScalar"/>, two rows at a time so each weight vector is loaded once for both.</summary>
    private void SumRowsAvx2(int firstRow, int rowCount, long[] totals, short[] weights)
    {
        var vectors = _stride / Lanes;
        var sums = weights.Length / _stride;
        ref var allWeights = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<short, Vector256<short>>(weights.AsSpan()));
        for (var r = 0; r < rowCount; r += 2)
        {
            var rows = MemoryMarshal.Cast<short, Vector256<short>>(_planes.AsSpan((int)((long)(firstRow + r) * 2 * _stride), 4 * _stride));
            ref var low0 = ref MemoryMarshal.GetReference(rows);
            ref var high0 = ref Unsafe.Add(ref low0, vectors);
            ref var low1 = ref Unsafe.Add(ref low0, 2 * vectors);
            ref var high1 = ref Unsafe.Add(ref low0, 3 * vectors);
            for (var k = 0; k < sums; k++)
            {
                ref var w = ref Unsafe.Add(ref allWeights, k * vectors);
                var low0Sum = Vector256<long>.Zero;
                var high0Sum = Vector256<long>.Zero;
                var low1Sum = Vector256<long>.Zero;
                var high1Sum = Vector256<long>.Zero;
                for (var start = 0; start < vectors; start += VectorsPerWidening)
                {
                    var end = Math.Min(vectors, start + VectorsPerWidening);
                    var low0Lanes = Vector256<int>.Zero;
                    var high0Lanes = Vector256<int>.Zero;
                    var low1Lanes = Vector256<int>.Zero;
                    var high1Lanes = Vector256<int>.Zero;
                    for (var v = start; v < end; v++)
                    {
                        var weight = Unsafe.Add(ref w, v);
                        low0Lanes += Avx2.MultiplyAddAdjacent(Unsafe.Add(ref low0, v), weight);
                        high0Lanes += Avx2.MultiplyAddAdjacent(Unsafe.Add(ref high0, v), weight);
                        low1Lanes += Avx2.MultiplyAddAdjacent(Unsafe.Add(ref low1, v), weight);
                        high1Lanes += Avx2.MultiplyAddAdjacent(Unsafe.Add(ref high1, v), weight);
                    }

                    low0Sum += Widened(low0Lanes);
                    high0Sum += Widened(high0Lanes);
                    low1Sum += Widened(low1Lanes);
                    high1Sum += Widened(high1Lanes);
                }

                totals[(r * sums) + k] = unchecked((Vector256.Sum(high0Sum) << 16) + Vector256.Sum(low0Sum));
                totals[((r + 1) * sums) + k] = unchecked((Vector256.Sum(high1Sum) << 16) + Vector256.Sum(low1Sum));
            }
        }
    }

    /// <summary>The eight 32-bit lanes as four 64-bit sums of pairs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<long> Widened(Vector256<int> lanes)
    {
        var (lower, upper) = Vector256.Widen(lanes);
        return lower + upper;
    }
}
