using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Ckks;

/// <summary>An encoded (not encrypted) polynomial at a level and scale, in NTT form.</summary>
public sealed class CkksPlaintext
{
    internal CkksPlaintext(CkksParameters parameters, RnsPolynomial polynomial, int level, double scale)
    {
        Parameters = parameters;
        Polynomial = polynomial;
        Level = level;
        Scale = scale;
    }

    /// <summary>The parameter set.</summary>
    public CkksParameters Parameters { get; }

    /// <summary>Level ℓ: the plaintext lives modulo q_0 … q_ℓ.</summary>
    public int Level { get; }

    /// <summary>The scale Δ its values are multiplied by.</summary>
    public double Scale { get; }

    internal RnsPolynomial Polynomial { get; }
}
