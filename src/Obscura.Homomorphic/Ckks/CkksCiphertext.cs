using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Ckks;

/// <summary>A CKKS ciphertext (c0, c1) with c0 + c1·s ≈ Δ·m modulo q_0 … q_ℓ, in NTT form. Reveals nothing without the secret key.</summary>
public sealed class CkksCiphertext
{
    internal CkksCiphertext(CkksParameters parameters, RnsPolynomial c0, RnsPolynomial c1, int level, double scale)
    {
        Parameters = parameters;
        C0 = c0;
        C1 = c1;
        Level = level;
        Scale = scale;
    }

    /// <summary>The parameter set.</summary>
    public CkksParameters Parameters { get; }

    /// <summary>Level ℓ: how many rescales remain.</summary>
    public int Level { get; }

    /// <summary>The scale Δ of the encrypted values.</summary>
    public double Scale { get; }

    internal RnsPolynomial C0 { get; }

    internal RnsPolynomial C1 { get; }
}
