using Obscura.Homomorphic.Ckks;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Bgv;

/// <summary>
/// An encoded (not encrypted) polynomial of Z_t[X]/(X^N + 1): N coefficients modulo t. Make one with
/// <see cref="BgvEncoder.Encode"/>; decryption returns one.
/// </summary>
public sealed class BgvPlaintext
{
    internal BgvPlaintext(BgvParameters parameters, ulong[] coefficients)
    {
        Parameters = parameters;
        Coefficients = coefficients;
    }

    /// <summary>The parameter set.</summary>
    public BgvParameters Parameters { get; }

    /// <summary>The N coefficients, each below t.</summary>
    internal ulong[] Coefficients { get; }

    /// <summary>
    /// [factor·m]_t lifted centred into (−t/2, t/2] and then into the first <paramref name="limbs"/> ciphertext limbs, in
    /// NTT form: the polynomial added to or multiplied with a ciphertext. The centring is branch-free.
    /// </summary>
    internal RnsPolynomial Lift(int limbs, ulong factor = 1)
    {
        var p = Parameters;
        var t = p.PlainModulus;
        var half = t.Value >> 1;
        var scaled = new ulong[p.PolyDegree];
        for (var j = 0; j < scaled.Length; j++)
        {
            scaled[j] = factor == 1 ? Coefficients[j] : t.Multiply(Coefficients[j], factor);
        }

        var poly = new RnsPolynomial(p.PolyDegree, limbs, isNtt: false);
        for (var i = 0; i < limbs; i++)
        {
            var q = p.ModulusAt(i);
            var limb = poly.Limb(i);
            for (var j = 0; j < limb.Length; j++)
            {
                var v = scaled[j];
                var above = unchecked(0UL - ((half - v) >> 63)); // all ones when v > t/2: lift to v − t
                var positive = q.Reduce(v);
                var negative = q.Negate(q.Reduce(t.Value - v));
                limb[j] = (negative & above) | (positive & ~above);
            }
        }

        Array.Clear(scaled);
        PolyMath.ToNtt(poly, p.Ring);
        return poly;
    }
}
