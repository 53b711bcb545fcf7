using System.Security.Cryptography;

namespace Obscura.Homomorphic.Ring;

/// <summary>
/// A polynomial in Z_Q[X]/(X^N+1) held as one residue polynomial ("limb") per RNS modulus, limb-major, in NTT or
/// coefficient form. Limb i belongs to the parameter set's modulus at index i (q_i, or P after the last q).
/// Mutable by design: the engine's working type. Secret-bearing instances are cleared with <see cref="Clear"/>.
/// </summary>
internal sealed class RnsPolynomial
{
    public RnsPolynomial(int degree, int limbs, bool isNtt)
    {
        Degree = degree;
        Limbs = limbs;
        IsNtt = isNtt;
        Data = new ulong[degree * limbs];
    }

    public int Degree { get; }

    public int Limbs { get; private set; }

    public bool IsNtt { get; set; }

    public ulong[] Data { get; }

    public Span<ulong> Limb(int i) => Data.AsSpan(i * Degree, Degree);

    /// <summary>Forgets the last limb (after a rescale); the storage is zeroed.</summary>
    public void DropLastLimb()
    {
        Limb(Limbs - 1).Clear();
        Limbs--;
    }

    public RnsPolynomial Clone()
    {
        var copy = new RnsPolynomial(Degree, Limbs, IsNtt);
        Data.AsSpan(0, Degree * Limbs).CopyTo(copy.Data);
        return copy;
    }

    public void Clear() => CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Data.AsSpan()));
}
