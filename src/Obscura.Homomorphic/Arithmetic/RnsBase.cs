using System.Numerics;
using Obscura.Homomorphic.Internal;

namespace Obscura.Homomorphic.Arithmetic;

/// <summary>
/// A residue-number-system base: pairwise-distinct primes q_0 … q_{k-1} with product Q. Integers modulo Q are held as
/// their residues modulo each q_i (the Chinese remainder theorem), so big-modulus arithmetic becomes k independent
/// 64-bit computations. Immutable and safe to share between threads.
/// </summary>
public sealed class RnsBase
{
    private readonly Modulus[] _moduli;
    private readonly ulong[] _puncturedInverse;       // [(Q/q_i)^-1]_{q_i}
    private readonly ulong[] _puncturedInverseShoup;
    private readonly BigInteger[] _punctured;         // Q/q_i

    /// <summary>Creates a base from distinct primes.</summary>
    /// <exception cref="ArgumentException">The list is empty, has a repeated or non-prime modulus.</exception>
    public RnsBase(IReadOnlyList<Modulus> moduli)
    {
        ArgumentNullException.ThrowIfNull(moduli);
        if (moduli.Count == 0 || moduli.Any(m => m is null))
        {
            ThrowHelper.Argument(nameof(moduli), "An RNS base needs at least one modulus.");
        }

        if (moduli.Select(m => m.Value).Distinct().Count() != moduli.Count || moduli.Any(m => !Primes.IsPrime(m.Value)))
        {
            ThrowHelper.Argument(nameof(moduli), "RNS moduli must be distinct primes.");
        }

        _moduli = [.. moduli];
        Product = _moduli.Aggregate(BigInteger.One, (p, m) => p * m.Value);
        _punctured = new BigInteger[_moduli.Length];
        _puncturedInverse = new ulong[_moduli.Length];
        _puncturedInverseShoup = new ulong[_moduli.Length];
        for (var i = 0; i < _moduli.Length; i++)
        {
            var q = _moduli[i];
            _punctured[i] = Product / q.Value;
            _puncturedInverse[i] = q.InversePrime((ulong)(_punctured[i] % q.Value));
            _puncturedInverseShoup[i] = q.ShoupPrecompute(_puncturedInverse[i]);
        }
    }

    /// <summary>Number of moduli k.</summary>
    public int Count => _moduli.Length;

    /// <summary>The moduli.</summary>
    public IReadOnlyList<Modulus> Moduli => _moduli;

    /// <summary>Q, the product of the moduli.</summary>
    public BigInteger Product { get; }

    /// <summary>log2 Q rounded up: the size checked against the security standard.</summary>
    public int BitCount => (int)Product.GetBitLength();

    /// <summary>Writes the residues of <paramref name="value"/> (any integer; reduced modulo Q first).</summary>
    /// <exception cref="ArgumentException">The destination's length is not k.</exception>
    public void Decompose(BigInteger value, Span<ulong> residues)
    {
        CheckLength(residues.Length, nameof(residues));
        for (var i = 0; i < _moduli.Length; i++)
        {
            var r = value % _moduli[i].Value;
            residues[i] = (ulong)(r.Sign < 0 ? r + _moduli[i].Value : r);
        }
    }

    /// <summary>The integer in [0, Q) with the given residues.</summary>
    /// <exception cref="ArgumentException">The span's length is not k.</exception>
    public BigInteger Compose(ReadOnlySpan<ulong> residues)
    {
        CheckLength(residues.Length, nameof(residues));
        var sum = BigInteger.Zero;
        for (var i = 0; i < _moduli.Length; i++)
        {
            var q = _moduli[i];
            sum += q.MultiplyShoup(q.Reduce(residues[i]), _puncturedInverse[i], _puncturedInverseShoup[i]) * _punctured[i];
        }

        return sum % Product;
    }

    /// <summary>
    /// Fast base conversion (Bajard et al.; Halevi–Polyakov–Shoup): from residues of x modulo this base to residues
    /// modulo each modulus of <paramref name="target"/> of x + α·Q for some 0 ≤ α &lt; k, using only 64-bit
    /// arithmetic. The α·Q error is what CKKS key switching and rescaling are designed to absorb.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match its base.</exception>
    public void ConvertApproximate(ReadOnlySpan<ulong> residues, RnsBase target, Span<ulong> destination)
    {
        ArgumentNullException.ThrowIfNull(target);
        CheckLength(residues.Length, nameof(residues));
        if (destination.Length != target.Count)
        {
            ThrowHelper.Argument(nameof(destination), $"The destination needs {target.Count} residues.");
        }

        Span<ulong> scaled = _moduli.Length <= 64 ? stackalloc ulong[_moduli.Length] : new ulong[_moduli.Length];
        for (var i = 0; i < _moduli.Length; i++)
        {
            scaled[i] = _moduli[i].MultiplyShoup(residues[i], _puncturedInverse[i], _puncturedInverseShoup[i]);
        }

        for (var j = 0; j < target.Count; j++)
        {
            var p = target._moduli[j];
            ulong acc = 0;
            for (var i = 0; i < _moduli.Length; i++)
            {
                acc = p.Add(acc, p.Multiply(p.Reduce(scaled[i]), (ulong)(_punctured[i] % p.Value)));
            }

            destination[j] = acc;
        }
    }

    private void CheckLength(int length, string name)
    {
        if (length != _moduli.Length)
        {
            ThrowHelper.Argument(name, $"This base has {_moduli.Length} moduli; got {length} residues.");
        }
    }
}
