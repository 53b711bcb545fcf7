using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Ckks;

/// <summary>
/// Hybrid key switching with one special prime P: decompose d by RNS limbs, multiply by the key modulo Q_ℓ·P, then
/// divide by P with rounding. The added noise is about Σ_j d_j·e_j / P, small because P ≥ every q_j.
/// </summary>
internal static class KeySwitching
{
    /// <summary>(r0, r1) over q_0 … q_ℓ with r0 + r1·s ≈ d·s′, for d in NTT form at level ℓ and the key for s′.</summary>
    public static (RnsPolynomial R0, RnsPolynomial R1) Switch(RnsPolynomial d, int level, KeySwitchingKey key, CkksParameters p)
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
                    digit.CopyTo(lifted);
                }
                else
                {
                    for (var k = 0; k < n; k++)
                    {
                        lifted[k] = q.Reduce(digit[k]);
                    }
                }

                Ntt.Forward(lifted, p.Tables(index));
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

    /// <summary>m(X) → m(X^g) on every limb, in coefficient form; g odd. Returns a new polynomial in NTT form.</summary>
    public static RnsPolynomial Automorphism(RnsPolynomial source, int galoisElement, CkksParameters p)
    {
        var n = p.PolyDegree;
        var coefficients = source.Clone();
        PolyMath.FromNtt(coefficients, p);
        var result = new RnsPolynomial(n, source.Limbs, isNtt: false);
        var twoN = 2 * n;
        for (var l = 0; l < source.Limbs; l++)
        {
            var q = p.ModulusAt(l); // limbs are contiguous from q_0 (ciphertexts) or run q_0 … q_L, P (keys)
            var from = coefficients.Limb(l);
            var to = result.Limb(l);
            for (var i = 0; i < n; i++)
            {
                var target = (int)((long)galoisElement * i % twoN);
                if (target < n)
                {
                    to[target] = from[i];
                }
                else
                {
                    to[target - n] = q.Negate(from[i]);
                }
            }
        }

        PolyMath.ToNtt(result, p);
        coefficients.Clear();
        return result;
    }
}
