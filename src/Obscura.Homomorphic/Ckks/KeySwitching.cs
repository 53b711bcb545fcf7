using System.Collections.Concurrent;
using System.Numerics;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Ckks;

/// <summary>
/// Hybrid key switching with one special prime P: decompose d by RNS limbs, multiply by the key modulo Q_ℓ·P, then
/// divide by P with rounding. The added noise is about Σ_j d_j·e_j / P, small because P ≥ every q_j.
/// </summary>
internal static class KeySwitching
{
    /// <summary>(r0, r1) over q_0 … q_ℓ with r0 + r1·s ≈ d·s′, for d in NTT form at level ℓ and the key for s′.</summary>
    public static (RnsPolynomial R0, RnsPolynomial R1) Switch(RnsPolynomial d, int level, KeySwitchingKey key, RingContext p)
    {
        var digits = Decompose(d, level, p);
        var (acc0, acc1) = Accumulators(level, p);
        Accumulate(digits, null, level, key, acc0, acc1, p);
        return DivideByP(acc0, acc1, level, p);
    }

    /// <summary>
    /// The RNS digits of d (NTT form at level ℓ): digit j is limb j of d in coefficient form, lifted to every limb
    /// q_0 … q_ℓ, P (ℓ + 2 limbs, stored at positions 0 … ℓ + 1) and returned in NTT form. The expensive half of a key
    /// switch; rotations of one ciphertext can share it (hoisting), since the automorphism of a lifted digit, a
    /// permutation in NTT form, is a digit of the rotated ciphertext up to a multiple of q_j of the same size.
    /// </summary>
    public static RnsPolynomial[] Decompose(RnsPolynomial d, int level, RingContext p)
    {
        var n = p.PolyDegree;
        var specialIndex = p.MaxLevel + 1;
        var coefficients = d.Clone();
        PolyMath.FromNtt(coefficients, p);
        var digits = new RnsPolynomial[level + 1];
        for (var j = 0; j <= level; j++)
        {
            var digit = coefficients.Limb(j);
            var lifted = new RnsPolynomial(n, level + 2, isNtt: true);
            for (var t = 0; t <= level + 1; t++)
            {
                var index = t <= level ? t : specialIndex;
                var target = lifted.Limb(t);
                if (index == j)
                {
                    // The digit modulo its own prime is limb j of d, already in NTT form: no transform needed.
                    d.Limb(j).CopyTo(target);
                    continue;
                }

                var q = p.ModulusAt(index);
                for (var k = 0; k < n; k++)
                {
                    target[k] = q.Reduce(digit[k]);
                }

                Ntt.Forward(target, p.Tables(index));
            }

            digits[j] = lifted;
        }

        coefficients.Clear();
        return digits;
    }

    /// <summary>Zero accumulators over q_0 … q_ℓ, P (ℓ + 2 limbs, NTT form) for <see cref="Accumulate"/>.</summary>
    public static (RnsPolynomial Acc0, RnsPolynomial Acc1) Accumulators(int level, RingContext p) =>
        (new RnsPolynomial(p.PolyDegree, level + 2, isNtt: true), new RnsPolynomial(p.PolyDegree, level + 2, isNtt: true));

    /// <summary>
    /// acc0 += Σ_j σ(digit_j)·key.B[j], acc1 += Σ_j σ(digit_j)·key.A[j] over q_0 … q_ℓ, P, where σ is the NTT-domain
    /// <paramref name="permutation"/> of an automorphism (<see cref="GaloisPermutation"/>), or the identity when null.
    /// </summary>
    public static void Accumulate(RnsPolynomial[] digits, int[]? permutation, int level, KeySwitchingKey key, RnsPolynomial acc0, RnsPolynomial acc1, RingContext p)
    {
        var n = p.PolyDegree;
        var specialIndex = p.MaxLevel + 1;
        var count = level + 1;
        for (var t = 0; t <= level + 1; t++)
        {
            var index = t <= level ? t : specialIndex;
            var q = p.ModulusAt(index);
            var r0 = acc0.Limb(t);
            var r1 = acc1.Limb(t);

            // Digits two at a time: two lazy products (each below 2q ≤ 2^62) on top of a value below q stay below 2^64,
            // so one reduction serves two digits and each accumulator limb is read and written once per pair.
            for (var j = 0; j < count; j += 2)
            {
                ReadOnlySpan<ulong> d = digits[j].Limb(t);
                ReadOnlySpan<ulong> b = key.B[j].Limb(index);
                ReadOnlySpan<ulong> a = key.A[j].Limb(index);
                ReadOnlySpan<ulong> bShoup = key.BShoup[j].AsSpan(index * n, n);
                ReadOnlySpan<ulong> aShoup = key.AShoup[j].AsSpan(index * n, n);
                if (j + 1 == count)
                {
                    for (var k = 0; k < n; k++)
                    {
                        var v = d[permutation is null ? k : permutation[k]];
                        r0[k] = q.Reduce(r0[k] + q.MultiplyShoupLazy(v, b[k], bShoup[k]));
                        r1[k] = q.Reduce(r1[k] + q.MultiplyShoupLazy(v, a[k], aShoup[k]));
                    }

                    break;
                }

                ReadOnlySpan<ulong> d2 = digits[j + 1].Limb(t);
                ReadOnlySpan<ulong> b2 = key.B[j + 1].Limb(index);
                ReadOnlySpan<ulong> a2 = key.A[j + 1].Limb(index);
                ReadOnlySpan<ulong> bShoup2 = key.BShoup[j + 1].AsSpan(index * n, n);
                ReadOnlySpan<ulong> aShoup2 = key.AShoup[j + 1].AsSpan(index * n, n);
                for (var k = 0; k < n; k++)
                {
                    var source = permutation is null ? k : permutation[k];
                    var v = d[source];
                    var v2 = d2[source];
                    r0[k] = q.Reduce(r0[k] + q.MultiplyShoupLazy(v, b[k], bShoup[k]) + q.MultiplyShoupLazy(v2, b2[k], bShoup2[k]));
                    r1[k] = q.Reduce(r1[k] + q.MultiplyShoupLazy(v, a[k], aShoup[k]) + q.MultiplyShoupLazy(v2, a2[k], aShoup2[k]));
                }
            }
        }
    }

    /// <summary>The accumulators divided by P with rounding: (r0, r1) over q_0 … q_ℓ in NTT form.</summary>
    public static (RnsPolynomial R0, RnsPolynomial R1) DivideByP(RnsPolynomial acc0, RnsPolynomial acc1, int level, RingContext p)
    {
        var specialIndex = p.MaxLevel + 1;
        return (PolyMath.DivideRoundByLimb(acc0, level + 1, specialIndex, level + 1, p), PolyMath.DivideRoundByLimb(acc1, level + 1, specialIndex, level + 1, p));
    }

    /// <summary>The NTT-domain permutation of the automorphism X → X^g (cached per degree and element).</summary>
    public static int[] Permutation(int n, int galoisElement) =>
        Permutations.GetOrAdd((n, galoisElement), static key => GaloisPermutation(key.N, key.G));

    private static readonly ConcurrentDictionary<(int N, int G), int[]> Permutations = new();

    /// <summary>
    /// m(X) → m(X^g) for odd g, in the NTT domain, where it is a permutation: output slot i holds m at ψ^e with
    /// e = 2·rev(i) + 1, and (m∘X^g)(ψ^e) = m(ψ^(g·e)), the input slot rev((g·e mod 2N − 1)/2). No transforms needed.
    /// </summary>
    public static RnsPolynomial Automorphism(RnsPolynomial source, int galoisElement, RingContext p)
    {
        var n = p.PolyDegree;
        var permutation = Permutation(n, galoisElement);
        var result = new RnsPolynomial(n, source.Limbs, isNtt: true);
        for (var l = 0; l < source.Limbs; l++)
        {
            var from = source.Limb(l);
            var to = result.Limb(l);
            for (var i = 0; i < n; i++)
            {
                to[i] = from[permutation[i]];
            }
        }

        return result;
    }

    internal static int[] GaloisPermutation(int n, int galoisElement)
    {
        var bits = BitOperations.Log2((uint)n);
        var twoN = 2L * n;
        var permutation = new int[n];
        for (var i = 0; i < n; i++)
        {
            var exponent = (2L * NttTables.Reverse(i, bits)) + 1;
            var image = galoisElement * exponent % twoN;
            permutation[i] = NttTables.Reverse((int)((image - 1) / 2), bits);
        }

        return permutation;
    }

}
