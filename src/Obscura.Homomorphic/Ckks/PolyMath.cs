using System.Numerics;
using Obscura.Homomorphic.Arithmetic;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Ckks;

/// <summary>Limb-wise arithmetic on <see cref="RnsPolynomial"/>s of one parameter set.</summary>
internal static class PolyMath
{
    /// <summary>
    /// A signed polynomial (small errors as <see cref="long"/>, flooding noise as <see cref="Int128"/>) lifted into every
    /// limb, negative values as q − |v|, in NTT form. Every value takes the same two reductions, whatever its size, and the
    /// sign is applied with a mask, not a branch (secret keys and errors pass through here).
    /// </summary>
    public static RnsPolynomial FromSigned<T>(ReadOnlySpan<T> values, RingContext p, int limbs)
        where T : IBinaryInteger<T>, ISignedNumber<T>
    {
        var poly = new RnsPolynomial(p.PolyDegree, limbs, isNtt: false);
        for (var i = 0; i < limbs; i++)
        {
            var q = p.ModulusAt(i);
            var limb = poly.Limb(i);
            for (var j = 0; j < values.Length; j++)
            {
                var v = Int128.CreateTruncating(values[j]);
                var sign = v >> 127; // 0, or −1 for a negative value
                var magnitude = unchecked((UInt128)((v ^ sign) - sign));
                var residue = q.Reduce128(q.Reduce((ulong)(magnitude >> 64)), unchecked((ulong)magnitude));
                var negative = unchecked((ulong)(long)sign);
                limb[j] = (q.Negate(residue) & negative) | (residue & ~negative);
            }
        }

        ToNtt(poly, p);
        return poly;
    }

    public static void ToNtt(RnsPolynomial poly, RingContext p)
    {
        if (!poly.IsNtt)
        {
            for (var i = 0; i < poly.Limbs; i++)
            {
                Ntt.Forward(poly.Limb(i), p.Tables(i));
            }

            poly.IsNtt = true;
        }
    }

    public static void FromNtt(RnsPolynomial poly, RingContext p)
    {
        if (poly.IsNtt)
        {
            for (var i = 0; i < poly.Limbs; i++)
            {
                Ntt.Inverse(poly.Limb(i), p.Tables(i));
            }

            poly.IsNtt = false;
        }
    }

    /// <summary>a ← a + b on the first <paramref name="limbs"/> limbs.</summary>
    public static void AddInPlace(RnsPolynomial a, RnsPolynomial b, RingContext p, int limbs)
    {
        for (var i = 0; i < limbs; i++)
        {
            var q = p.ModulusAt(i);
            var x = a.Limb(i);
            var y = b.Limb(i);
            for (var j = 0; j < x.Length; j++)
            {
                x[j] = q.Add(x[j], y[j]);
            }
        }
    }

    /// <summary>a ← a − b on the first <paramref name="limbs"/> limbs.</summary>
    public static void SubtractInPlace(RnsPolynomial a, RnsPolynomial b, RingContext p, int limbs)
    {
        for (var i = 0; i < limbs; i++)
        {
            var q = p.ModulusAt(i);
            var x = a.Limb(i);
            var y = b.Limb(i);
            for (var j = 0; j < x.Length; j++)
            {
                x[j] = q.Subtract(x[j], y[j]);
            }
        }
    }

    /// <summary>A new polynomial a ⊙ b (NTT form) on the first <paramref name="limbs"/> limbs.</summary>
    public static RnsPolynomial Multiply(RnsPolynomial a, RnsPolynomial b, RingContext p, int limbs)
    {
        var result = new RnsPolynomial(p.PolyDegree, limbs, isNtt: true);
        for (var i = 0; i < limbs; i++)
        {
            var q = p.ModulusAt(i);
            var x = a.Limb(i);
            var y = b.Limb(i);
            var r = result.Limb(i);
            for (var j = 0; j < r.Length; j++)
            {
                r[j] = q.Multiply(x[j], y[j]);
            }
        }

        return result;
    }

    /// <summary>a ← a ⊙ b (NTT form) on the first <paramref name="limbs"/> limbs.</summary>
    public static void MultiplyInPlace(RnsPolynomial a, RnsPolynomial b, RingContext p, int limbs)
    {
        for (var i = 0; i < limbs; i++)
        {
            var q = p.ModulusAt(i);
            var x = a.Limb(i);
            var y = b.Limb(i);
            for (var j = 0; j < x.Length; j++)
            {
                x[j] = q.Multiply(x[j], y[j]);
            }
        }
    }

    /// <summary>
    /// The tensor dot product Σ a_p ⊗ b_p on coefficients [from, from + length) of one limb: d0 = Σ a0·b0,
    /// d1 = Σ (a0·b1 + a1·b0), d2 = Σ a1·b1 modulo q. Products are summed as 128-bit integers and reduced once per 16
    /// pairs (32 products of at most 2^122 each stay below 2^128), so a pair costs four multiplications and no reduction.
    /// </summary>
    public static void TensorDotProduct(IReadOnlyList<CkksCiphertext> a, IReadOnlyList<CkksCiphertext> b, int limb, int from, int length, Modulus q, Span<ulong> d0, Span<ulong> d1, Span<ulong> d2)
    {
        const int PairsPerReduction = 16;
        var lo = new ulong[3 * length];
        var hi = new ulong[3 * length];
        for (var start = 0; start < a.Count; start += PairsPerReduction)
        {
            var end = Math.Min(a.Count, start + PairsPerReduction);
            for (var pair = start; pair < end; pair++)
            {
                var a0 = a[pair].C0.Limb(limb).Slice(from, length);
                var a1 = a[pair].C1.Limb(limb).Slice(from, length);
                var b0 = b[pair].C0.Limb(limb).Slice(from, length);
                var b1 = b[pair].C1.Limb(limb).Slice(from, length);
                for (var j = 0; j < length; j++)
                {
                    Accumulate(lo, hi, j, a0[j], b0[j]);
                    Accumulate(lo, hi, length + j, a0[j], b1[j]);
                    Accumulate(lo, hi, length + j, a1[j], b0[j]);
                    Accumulate(lo, hi, (2 * length) + j, a1[j], b1[j]);
                }
            }

            for (var k = 0; k < lo.Length; k++)
            {
                lo[k] = q.Reduce128(q.Reduce(hi[k]), lo[k]);
                hi[k] = 0;
            }
        }

        lo.AsSpan(0, length).CopyTo(d0.Slice(from, length));
        lo.AsSpan(length, length).CopyTo(d1.Slice(from, length));
        lo.AsSpan(2 * length, length).CopyTo(d2.Slice(from, length));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(ulong[] lo, ulong[] hi, int index, ulong x, ulong y)
    {
        unchecked
        {
            var productHigh = Math.BigMul(x, y, out var productLow);
            var sum = lo[index] + productLow;
            hi[index] += productHigh + (sum < productLow ? 1UL : 0UL);
            lo[index] = sum;
        }
    }

    /// <summary>
    /// x divided by one of its moduli with rounding, in NTT form: for each of the first <paramref name="keep"/> limbs,
    /// (x_i − δ) · m_d^-1 mod q_i, where limb <paramref name="divisorLimb"/> of x is modulo the ring's modulus at
    /// <paramref name="divisorIndex"/>. For CKKS δ = [x_d]_centred (a rounded division). When errors carry a factor
    /// t (BGV), δ = t·[t^-1·x_d]_centred instead: still ≡ x mod m_d, so the division is exact, and ≡ 0 mod t, so the
    /// correction adds a multiple of t (noise) and the message is multiplied by m_d^-1 mod t. Rescaling and modulus
    /// switching divide by q_ℓ; key switching divides by P.
    /// </summary>
    public static RnsPolynomial DivideRoundByLimb(RnsPolynomial x, int divisorLimb, int divisorIndex, int keep, RingContext p)
    {
        var n = p.PolyDegree;
        var divisor = p.ModulusAt(divisorIndex);
        var top = x.Limb(divisorLimb).ToArray();
        Ntt.Inverse(top, p.Tables(divisorIndex));
        var scaled = p.ErrorFactor != 1;
        if (scaled)
        {
            var (inverse, inverseShoup) = p.InverseErrorFactorAt(divisorIndex);
            for (var k = 0; k < n; k++)
            {
                top[k] = divisor.MultiplyShoup(top[k], inverse, inverseShoup);
            }
        }

        var half = divisor.Value >> 1;
        var result = new RnsPolynomial(n, keep, isNtt: true);
        var lifted = new ulong[n];
        for (var i = 0; i < keep; i++)
        {
            var q = p.ModulusAt(i);
            for (var k = 0; k < n; k++)
            {
                // The centred lift makes the division round rather than floor.
                var v = top[k];
                lifted[k] = v > half ? q.Negate(q.Reduce(divisor.Value - v)) : q.Reduce(v);
            }

            if (scaled)
            {
                var (factor, factorShoup) = p.ErrorFactorAt(i);
                for (var k = 0; k < n; k++)
                {
                    lifted[k] = q.MultiplyShoup(lifted[k], factor, factorShoup);
                }
            }

            Ntt.Forward(lifted, p.Tables(i));
            var inverseDivisor = q.InversePrime(q.Reduce(divisor.Value));
            var source = x.Limb(i);
            var target = result.Limb(i);
            for (var k = 0; k < n; k++)
            {
                target[k] = q.Multiply(q.Subtract(source[k], lifted[k]), inverseDivisor);
            }
        }

        return result;
    }

    /// <summary>a ← k·a on the first <paramref name="limbs"/> limbs, for a signed integer k (any form: the map is linear).</summary>
    public static void MultiplyScalarInPlace(RnsPolynomial a, long k, RingContext p, int limbs)
    {
        for (var i = 0; i < limbs; i++)
        {
            var q = p.ModulusAt(i);
            var magnitude = q.Reduce(k == long.MinValue ? 1UL << 63 : (ulong)Math.Abs(k));
            var factor = k < 0 ? q.Negate(magnitude) : magnitude;
            var factorShoup = q.ShoupPrecompute(factor);
            var limb = a.Limb(i);
            for (var j = 0; j < limb.Length; j++)
            {
                limb[j] = q.MultiplyShoup(limb[j], factor, factorShoup);
            }
        }
    }
}
