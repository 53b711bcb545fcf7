using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Ckks;

/// <summary>
/// Encryptions, modulo q_0 … q_L and P, of P·g_j·s′ under s for each RNS gadget element g_j (g_j ≡ 1 mod q_j,
/// ≡ 0 mod the other q_i): key_j = (−a_j·s + e_j + P·g_j·s′, a_j). With them a ciphertext component d under s′
/// becomes one under s (see <see cref="KeySwitching"/>). Public: it reveals nothing about s or s′ under RLWE.
/// </summary>
internal sealed class KeySwitchingKey
{
    public KeySwitchingKey(RnsPolynomial[] b, RnsPolynomial[] a, RingContext p)
    {
        B = b;
        A = a;
        BShoup = [.. b.Select(x => ShoupQuotients(x, p))];
        AShoup = [.. a.Select(x => ShoupQuotients(x, p))];
    }

    public RnsPolynomial[] B { get; }

    public RnsPolynomial[] A { get; }

    /// <summary>Shoup quotients of <see cref="B"/>, limb-major like the key: the key is fixed, so products with it need no Barrett reduction.</summary>
    public ulong[][] BShoup { get; }

    /// <summary>Shoup quotients of <see cref="A"/>.</summary>
    public ulong[][] AShoup { get; }

    private static ulong[] ShoupQuotients(RnsPolynomial x, RingContext p)
    {
        var quotients = new ulong[x.Data.Length];
        for (var l = 0; l < x.Limbs; l++)
        {
            var q = p.ModulusAt(l);
            var limb = x.Limb(l);
            for (var k = 0; k < limb.Length; k++)
            {
                quotients[(l * x.Degree) + k] = q.ShoupPrecompute(limb[k]);
            }
        }

        return quotients;
    }

    /// <summary>
    /// Builds the key that switches from <paramref name="target"/> (NTT form, L + 2 limbs) to <paramref name="secret"/>:
    /// key_j = (−a_j·s + f·e_j + P·g_j·s′, a_j), with f the ring's error factor (t for BGV, so the switched noise stays a
    /// multiple of t).
    /// </summary>
    public static KeySwitchingKey Create(RingContext p, RnsPolynomial secret, RnsPolynomial target)
    {
        var limbs = p.MaxLevel + 2;
        var special = p.SpecialModulus.Value;
        var b = new RnsPolynomial[p.MaxLevel + 1];
        var a = new RnsPolynomial[p.MaxLevel + 1];
        for (var j = 0; j <= p.MaxLevel; j++)
        {
            (b[j], a[j]) = RlweSampling.EncryptZero(p, secret, limbs);
            var q = p.ModulusAt(j);
            var factor = q.Reduce(special);
            var limb = b[j].Limb(j);
            var s = target.Limb(j);
            for (var k = 0; k < limb.Length; k++)
            {
                limb[k] = q.Add(limb[k], q.Multiply(factor, s[k]));
            }
        }

        return new KeySwitchingKey(b, a, p);
    }
}
