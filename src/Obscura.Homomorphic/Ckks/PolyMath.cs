using System.Numerics;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Ckks;

/// <summary>Limb-wise arithmetic on <see cref="RnsPolynomial"/>s of one parameter set.</summary>
internal static class PolyMath
{
    /// <summary>
    /// A signed polynomial (small errors as <see cref="long"/>, flooding noise as <see cref="Int128"/>) lifted into every
    /// limb, negative values as q − |v|, in NTT form. Every value takes the same two reductions, whatever its size.
    /// </summary>
    public static RnsPolynomial FromSigned<T>(ReadOnlySpan<T> values, CkksParameters p, int limbs)
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
                var magnitude = (UInt128)(v < 0 ? -v : v);
                var residue = q.Reduce128(q.Reduce((ulong)(magnitude >> 64)), unchecked((ulong)magnitude));
                limb[j] = v < 0 ? q.Negate(residue) : residue;
            }
        }

        ToNtt(poly, p);
        return poly;
    }

    public static void ToNtt(RnsPolynomial poly, CkksParameters p)
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

    public static void FromNtt(RnsPolynomial poly, CkksParameters p)
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
    public static void AddInPlace(RnsPolynomial a, RnsPolynomial b, CkksParameters p, int limbs)
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
    public static void SubtractInPlace(RnsPolynomial a, RnsPolynomial b, CkksParameters p, int limbs)
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
    public static RnsPolynomial Multiply(RnsPolynomial a, RnsPolynomial b, CkksParameters p, int limbs)
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

    /// <summary>acc += a·b coefficient-wise (NTT form) on the first <paramref name="limbs"/> limbs.</summary>
    public static void MultiplyAccumulate(RnsPolynomial acc, RnsPolynomial a, RnsPolynomial b, CkksParameters p, int limbs)
    {
        for (var i = 0; i < limbs; i++)
        {
            var q = p.ModulusAt(i);
            var x = a.Limb(i);
            var y = b.Limb(i);
            var r = acc.Limb(i);
            for (var j = 0; j < r.Length; j++)
            {
                r[j] = q.Add(r[j], q.Multiply(x[j], y[j]));
            }
        }
    }

    /// <summary>
    /// x divided by one of its moduli with rounding, in NTT form: for each of the first <paramref name="keep"/> limbs,
    /// (x_i − [x_d]_centred) · m_d^-1 mod q_i, where limb <paramref name="divisorLimb"/> of x is modulo the parameter
    /// set's modulus at <paramref name="divisorIndex"/>. Rescaling divides by q_ℓ; key switching divides by P.
    /// </summary>
    public static RnsPolynomial DivideRoundByLimb(RnsPolynomial x, int divisorLimb, int divisorIndex, int keep, CkksParameters p)
    {
        var n = p.PolyDegree;
        var divisor = p.ModulusAt(divisorIndex);
        var top = x.Limb(divisorLimb).ToArray();
        Ntt.Inverse(top, p.Tables(divisorIndex));
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

            Ntt.Forward(lifted, p.Tables(i));
            var inverse = q.InversePrime(q.Reduce(divisor.Value));
            var source = x.Limb(i);
            var target = result.Limb(i);
            for (var k = 0; k < n; k++)
            {
                target[k] = q.Multiply(q.Subtract(source[k], lifted[k]), inverse);
            }
        }

        return result;
    }
}
