using System.Numerics;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Homomorphic.Bgv;

/// <summary>
/// Public key-switching keys from s(X^g) to s for a set of Galois elements g: row rotations by chosen steps
/// (g = 3^k mod 2N rotates both rows left by k) and, optionally, the column swap (g = 2N − 1 exchanges the two rows).
/// Safe to give the evaluating party.
/// </summary>
public sealed class BgvGaloisKeys
{
    private readonly IReadOnlyDictionary<int, KeySwitchingKey> _keys;

    internal BgvGaloisKeys(BgvParameters parameters, IReadOnlyDictionary<int, KeySwitchingKey> keys)
    {
        Parameters = parameters;
        _keys = keys;
    }

    /// <summary>The parameter set.</summary>
    public BgvParameters Parameters { get; }

    /// <summary>The Galois elements covered.</summary>
    public IReadOnlyCollection<int> GaloisElements => [.. _keys.Keys];

    /// <summary>Whether the keys include the column swap (<see cref="BgvEvaluator.RotateColumns"/>).</summary>
    public bool HasColumnSwap => _keys.ContainsKey(ColumnSwapElement(Parameters.PolyDegree));

    /// <summary>
    /// Whether a row rotation by <paramref name="step"/> (positive: left, negative: right) can be done with these keys.
    /// True for multiples of N/2, which are the identity and need no key.
    /// </summary>
    public bool Contains(int step)
    {
        var rows = Parameters.RowSize;
        return step % rows == 0 || _keys.ContainsKey(RowRotationElement(Parameters.PolyDegree, step));
    }

    internal KeySwitchingKey? Find(int galoisElement) => _keys.GetValueOrDefault(galoisElement);

    /// <summary>The Galois element 3^k mod 2N that rotates both rows left by k = <paramref name="step"/> mod N/2 (SEAL's convention).</summary>
    internal static int RowRotationElement(int polyDegree, int step)
    {
        var rows = polyDegree / 2;
        var k = ((step % rows) + rows) % rows;
        return (int)BigInteger.ModPow(3, k, 2 * polyDegree);
    }

    /// <summary>The Galois element of the column swap, 2N − 1 (X → X^-1).</summary>
    internal static int ColumnSwapElement(int polyDegree) => (2 * polyDegree) - 1;
}
