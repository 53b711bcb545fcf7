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
        var n = p.PolyDegree;
        var specialIndex = p.MaxLevel + 1;
        var limbIndices = Enumerable.Range(0, level + 1).Append(specialIndex).ToArray();

        // Accumulators over the limbs q_0 … q_ℓ and P (stored at positions 0 … ℓ + 1).
        var acc0 = new RnsPolynomial(n, level + 2, isNtt: true);
        var acc1 = new RnsPolynomial(n, level + 2, isNtt: true);
        var coefficients = d.Clone();
        PolyMath.FromNtt(coefficients, p);
        var lifted = new ulong[n];
        for (var j = 0; j <= level; j++)
        {
            var digit = coefficients.Limb(j);
            for (var t = 0; t < limbIndices.Length; t++)
            {
                var index = limbIndices[t];
                var q = p.ModulusAt(index);
                if (index == j)
                {
                    // The digit modulo its own prime is limb j of d, already in NTT form: no transform needed.
                    d.Limb(j).CopyTo(lifted);
                }
                else
                {
                    for (var k = 0; k < n; k++)
                    {
                        lifted[k] = q.Reduce(digit[k]);
                    }

                    Ntt.Forward(lifted, p.Tables(index));
                }

                var kb = key.B[j].Limb(index);
                var ka = key.A[j].Limb(index);
                var kbShoup = key.BShoup[j].AsSpan(index * n, n);
                var kaShoup = key.AShoup[j].AsSpan(index * n, n);
                var r0 = acc0.Limb(t);
                var r1 = acc1.Limb(t);
                for (var k = 0; k < n; k++)
                {
                    r0[k] = q.Add(r0[k], q.MultiplyShoup(lifted[k], kb[k], kbShoup[k]));
                    r1[k] = q.Add(r1[k], q.MultiplyShoup(lifted[k], ka[k], kaShoup[k]));
                }
            }
        }

        return (PolyMath.DivideRoundByLimb(acc0, level + 1, specialIndex, level + 1, p), PolyMath.DivideRoundByLimb(acc1, level + 1, specialIndex, level + 1, p));
    }

    private static readonly ConcurrentDictionary<(int N, int G), int[]> Permutations = new();

    /// <summary>
    /// m(X) → m(X^g) for odd g, in the NTT domain, where it is a permutation: output slot i holds m at ψ^e with
    /// e = 2·rev(i) + 1, and (m∘X^g)(ψ^e) = m(ψ^(g·e)), the input slot rev((g·e mod 2N − 1)/2). No transforms needed.
    /// </summary>
    public static RnsPolynomial Automorphism(RnsPolynomial source, int galoisElement, RingContext p)
    {
        var n = p.PolyDegree;
        var permutation = Permutations.GetOrAdd((n, galoisElement), static key => GaloisPermutation(key.N, key.G));
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
