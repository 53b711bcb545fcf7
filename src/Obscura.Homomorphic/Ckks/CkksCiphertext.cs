using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Ckks;

/// <summary>A CKKS ciphertext (c0, c1) with c0 + c1·s ≈ Δ·m modulo q_0 … q_ℓ, in NTT form. Reveals nothing without the secret key.</summary>
public sealed class CkksCiphertext
{
    internal CkksCiphertext(CkksParameters parameters, RnsPolynomial c0, RnsPolynomial c1, int level, double scale, byte[]? seed = null)
    {
        Seed = seed;
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

    /// <summary>
    /// True for a fresh symmetric encryption whose c1 is the expansion of a 32-byte seed: it serialises at about half
    /// the size. Results of evaluation are never seeded.
    /// </summary>
    public bool IsSeeded => Seed is not null;

    internal byte[]? Seed { get; }

    internal RnsPolynomial C0 { get; }

    internal RnsPolynomial C1 { get; }
}
