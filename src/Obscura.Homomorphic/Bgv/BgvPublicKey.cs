using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Bgv;

/// <summary>
/// A BGV public key (b, a) = (−a·s + t·e, a) modulo Q·P (the special prime included, as in SEAL, so public-key
/// encryption can divide its noise by P), in NTT form. Anyone may hold it; it only encrypts.
/// </summary>
public sealed class BgvPublicKey
{
    internal BgvPublicKey(BgvParameters parameters, RnsPolynomial b, RnsPolynomial a)
    {
        Parameters = parameters;
        B = b;
        A = a;
    }

    /// <summary>The parameter set the key belongs to.</summary>
    public BgvParameters Parameters { get; }

    internal RnsPolynomial B { get; }

    internal RnsPolynomial A { get; }
}
