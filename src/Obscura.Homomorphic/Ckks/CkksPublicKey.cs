using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Ckks;

/// <summary>A CKKS public key (b, a) = (−a·s + e, a) modulo Q, in NTT form. Anyone may hold it; it only encrypts.</summary>
public sealed class CkksPublicKey
{
    internal CkksPublicKey(CkksParameters parameters, RnsPolynomial b, RnsPolynomial a)
    {
        Parameters = parameters;
        B = b;
        A = a;
    }

    /// <summary>The parameter set the key belongs to.</summary>
    public CkksParameters Parameters { get; }

    internal RnsPolynomial B { get; }

    internal RnsPolynomial A { get; }
}
