namespace Obscura.Homomorphic.Ckks;

/// <summary>
/// A public key-switching key from one secret key s to another s′: encryptions of P·g_j·s under s′. With it an
/// evaluating party re-encrypts a ciphertext from s to s′ without decrypting (key rotation). Giving it out reveals
/// nothing about either key under RLWE; whoever holds s′ and this key can of course read everything under s, so it
/// exists only for the length of a rotation and goes with the old key.
/// </summary>
public sealed class CkksKeySwitchKey
{
    internal CkksKeySwitchKey(CkksParameters parameters, KeySwitchingKey key)
    {
        Parameters = parameters;
        Key = key;
    }

    /// <summary>The parameter set.</summary>
    public CkksParameters Parameters { get; }

    internal KeySwitchingKey Key { get; }
}
