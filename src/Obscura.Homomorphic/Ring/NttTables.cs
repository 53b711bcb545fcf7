using System.Numerics;
using Obscura.Homomorphic.Arithmetic;
using Obscura.Homomorphic.Internal;

namespace Obscura.Homomorphic.Ring;

/// <summary>
/// Precomputed twiddle factors for the negacyclic NTT of size N modulo a prime q ≡ 1 (mod 2N): powers of the
/// minimal primitive 2N-th root ψ in bit-reversed order with their Shoup quotients, the same for ψ^-1, and N^-1.
/// Immutable and safe to share between threads.
/// </summary>
public sealed class NttTables
{
    private readonly ulong[] _psiRev;
    private readonly ulong[] _psiRevShoup;
    private readonly ulong[] _psiInvRev;
    private readonly ulong[] _psiInvRevShoup;

    /// <summary>Builds the tables.</summary>
    /// <exception cref="ArgumentOutOfRangeException">N is not a power of two between 2 and 65536.</exception>
    /// <exception cref="ArgumentException">q is not a prime ≡ 1 (mod 2N).</exception>
    public NttTables(int polyDegree, Modulus modulus)
    {
        ArgumentNullException.ThrowIfNull(modulus);
        if (polyDegree < 2 || polyDegree > 65536 || !BitOperations.IsPow2(polyDegree))
        {
            ThrowHelper.ArgumentOutOfRange(nameof(polyDegree), "The ring degree is a power of two between 2 and 65536.");
        }

        Degree = polyDegree;
        Modulus = modulus;
        Root = Primes.MinimalPrimitiveRoot(modulus.Value, polyDegree);
        var inverseRoot = modulus.InversePrime(Root);
        var log = BitOperations.Log2((uint)polyDegree);
        _psiRev = new ulong[polyDegree];
        _psiRevShoup = new ulong[polyDegree];
        _psiInvRev = new ulong[polyDegree];
        _psiInvRevShoup = new ulong[polyDegree];
        ulong power = 1, inversePower = 1;
        for (var i = 0; i < polyDegree; i++)
        {
            var r = (int)(ReverseBits((uint)i) >> (32 - log));
            _psiRev[r] = power;
            _psiRevShoup[r] = modulus.ShoupPrecompute(power);
            _psiInvRev[r] = inversePower;
            _psiInvRevShoup[r] = modulus.ShoupPrecompute(inversePower);
            power = modulus.Multiply(power, Root);
            inversePower = modulus.Multiply(inversePower, inverseRoot);
        }

        InverseDegree = modulus.InversePrime((ulong)polyDegree);
        InverseDegreeShoup = modulus.ShoupPrecompute(InverseDegree);
    }

    /// <summary>N.</summary>
    public int Degree { get; }

    /// <summary>q.</summary>
    public Modulus Modulus { get; }

    /// <summary>ψ, the minimal primitive 2N-th root of unity modulo q.</summary>
    public ulong Root { get; }

    internal ulong InverseDegree { get; }

    internal ulong InverseDegreeShoup { get; }

    internal ReadOnlySpan<ulong> PsiRev => _psiRev;

    internal ReadOnlySpan<ulong> PsiRevShoup => _psiRevShoup;

    internal ReadOnlySpan<ulong> PsiInvRev => _psiInvRev;

    internal ReadOnlySpan<ulong> PsiInvRevShoup => _psiInvRevShoup;

    /// <summary>The low <paramref name="bits"/> bits of <paramref name="value"/> in reverse order.</summary>
    internal static int Reverse(int value, int bits) => (int)(ReverseBits((uint)value) >> (32 - bits));

    private static uint ReverseBits(uint x)
    {
        x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
        x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
        x = ((x >> 4) & 0x0F0F0F0Fu) | ((x & 0x0F0F0F0Fu) << 4);
        x = ((x >> 8) & 0x00FF00FFu) | ((x & 0x00FF00FFu) << 8);
        return (x >> 16) | (x << 16);
    }
}
