namespace Obscura.Homomorphic.Ckks;

/// <summary>The public key-switching key from s² to s, needed to multiply two ciphertexts. Safe to give the evaluating party.</summary>
public sealed class CkksRelinearizationKey
{
    internal CkksRelinearizationKey(CkksParameters parameters, KeySwitchingKey key)
    {
        Parameters = parameters;
        Key = key;
    }

    /// <summary>The parameter set.</summary>
    public CkksParameters Parameters { get; }

    internal KeySwitchingKey Key { get; }
}
