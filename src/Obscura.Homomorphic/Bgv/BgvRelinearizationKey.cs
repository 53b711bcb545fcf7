using Obscura.Homomorphic.Ckks;

namespace Obscura.Homomorphic.Bgv;

/// <summary>
/// The public key-switching key from s² to s (errors multiplied by t), needed to relinearise a ciphertext product.
/// Safe to give the evaluating party.
/// </summary>
public sealed class BgvRelinearizationKey
{
    internal BgvRelinearizationKey(BgvParameters parameters, KeySwitchingKey key)
    {
        Parameters = parameters;
        Key = key;
    }

    /// <summary>The parameter set.</summary>
    public BgvParameters Parameters { get; }

    internal KeySwitchingKey Key { get; }
}
