namespace Obscura.Homomorphic.Ckks;

/// <summary>
/// Public key-switching keys from s(X^g) to s for a set of Galois elements g: rotations by chosen slot counts
/// (g = 5^k mod 2N) and, optionally, conjugation (g = 2N − 1). Safe to give the evaluating party.
/// </summary>
public sealed class CkksGaloisKeys
{
    private readonly IReadOnlyDictionary<int, KeySwitchingKey> _keys;

    internal CkksGaloisKeys(CkksParameters parameters, IReadOnlyDictionary<int, KeySwitchingKey> keys)
    {
        Parameters = parameters;
        _keys = keys;
    }

    /// <summary>The parameter set.</summary>
    public CkksParameters Parameters { get; }

    /// <summary>The Galois elements covered.</summary>
    public IReadOnlyCollection<int> GaloisElements => [.. _keys.Keys];

    internal KeySwitchingKey? Find(int galoisElement) => _keys.GetValueOrDefault(galoisElement);

    /// <summary>The Galois element that rotates slots left by <paramref name="steps"/> (negative: right) for ring degree N.</summary>
    public static int RotationElement(int polyDegree, int steps)
    {
        var slots = polyDegree / 2;
        var k = ((steps % slots) + slots) % slots;
        return (int)System.Numerics.BigInteger.ModPow(5, k, 2 * polyDegree);
    }

    /// <summary>The Galois element of complex conjugation, 2N − 1.</summary>
    public static int ConjugationElement(int polyDegree) => (2 * polyDegree) - 1;
}
