using Obscura.Homomorphic.Ckks;

namespace Obscura.Homomorphic.Bgv;

/// <summary>
/// The public key-switching key from one secret key to another (errors multiplied by t): with it, a ciphertext under
/// the first key becomes one under the second, with the same plaintext, without decrypting (provider-key rotation).
/// Whoever holds it and the second secret key can read everything under the first, so it lives only as long as the
/// first key.
/// </summary>
public sealed class BgvKeySwitchKey
{
    internal BgvKeySwitchKey(BgvParameters parameters, KeySwitchingKey key)
    {
        Parameters = parameters;
        Key = key;
    }

    /// <summary>The parameter set.</summary>
    public BgvParameters Parameters { get; }

    internal KeySwitchingKey Key { get; }
}
