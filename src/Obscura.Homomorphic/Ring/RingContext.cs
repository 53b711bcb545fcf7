using Obscura.Homomorphic.Arithmetic;

namespace Obscura.Homomorphic.Ring;

/// <summary>
/// What the RNS ring layer needs from a parameter set, whatever the scheme: the degree N, the ciphertext chain
/// q_0 … q_L, the special prime P (index L + 1), their NTT tables, the bases of each level, and the factor the
/// encryption error carries: 1 for CKKS, the plaintext modulus t for BGV (errors are t·e, so every rounded division
/// — modulus switching, the division by P in key switching — must keep its correction a multiple of t).
/// CKKS and BGV parameter sets each hold one; the shared kernels (<c>PolyMath</c>, <c>KeySwitching</c>,
/// <c>KeySwitchingKey</c>, <c>RlweSampling</c>) take it. Immutable; shareable.
/// </summary>
internal sealed class RingContext
{
    private readonly NttTables[] _tables;
    private readonly RnsBase[] _levelBases;
    private readonly ulong[] _errorFactorModQ;
    private readonly ulong[] _errorFactorModQShoup;
    private readonly ulong[] _inverseErrorFactor;
    private readonly ulong[] _inverseErrorFactorShoup;

    /// <summary>Builds the tables for the chain and P; <paramref name="errorFactor"/> is 1 (CKKS) or t (BGV), coprime to every prime.</summary>
    public RingContext(int polyDegree, RnsBase ciphertextModuli, Modulus specialModulus, ulong errorFactor)
    {
        PolyDegree = polyDegree;
        CiphertextModuli = ciphertextModuli;
        SpecialModulus = specialModulus;
        ErrorFactor = errorFactor;
        var all = ciphertextModuli.Moduli.Append(specialModulus).ToArray();
        _tables = [.. all.Select(q => new NttTables(polyDegree, q))];
        _levelBases = [.. Enumerable.Range(1, ciphertextModuli.Count).Select(k => new RnsBase(ciphertextModuli.Moduli.Take(k).ToList()))];
        _errorFactorModQ = [.. all.Select(q => q.Reduce(errorFactor))];
        _errorFactorModQShoup = [.. all.Select((q, i) => q.ShoupPrecompute(_errorFactorModQ[i]))];
        _inverseErrorFactor = [.. all.Select((q, i) => q.InversePrime(_errorFactorModQ[i]))];
        _inverseErrorFactorShoup = [.. all.Select((q, i) => q.ShoupPrecompute(_inverseErrorFactor[i]))];
    }

    /// <summary>N.</summary>
    public int PolyDegree { get; }

    /// <summary>q_0 … q_L.</summary>
    public RnsBase CiphertextModuli { get; }

    /// <summary>P.</summary>
    public Modulus SpecialModulus { get; }

    /// <summary>L.</summary>
    public int MaxLevel => CiphertextModuli.Count - 1;

    /// <summary>The index of P among the limbs, L + 1.</summary>
    public int SpecialIndex => CiphertextModuli.Count;

    /// <summary>1 for CKKS; t for BGV, whose errors are multiples of t.</summary>
    public ulong ErrorFactor { get; }

    /// <summary>NTT tables for q_i (i ≤ L) or, at index L + 1, for P.</summary>
    public NttTables Tables(int index) => _tables[index];

    /// <summary>The modulus at index i: q_i for i ≤ L, P at L + 1.</summary>
    public Modulus ModulusAt(int index) => index <= MaxLevel ? CiphertextModuli.Moduli[index] : SpecialModulus;

    /// <summary>The base q_0 … q_ℓ of level ℓ.</summary>
    public RnsBase LevelBase(int level) => _levelBases[level];

    /// <summary>The error factor modulo the modulus at <paramref name="index"/>, with its Shoup quotient.</summary>
    public (ulong Value, ulong Shoup) ErrorFactorAt(int index) => (_errorFactorModQ[index], _errorFactorModQShoup[index]);

    /// <summary>The inverse of the error factor modulo the modulus at <paramref name="index"/>, with its Shoup quotient.</summary>
    public (ulong Value, ulong Shoup) InverseErrorFactorAt(int index) => (_inverseErrorFactor[index], _inverseErrorFactorShoup[index]);
}
