namespace Obscura.Biometrics.Keys;

/// <summary>A persistent count of flooded decryptions for one key.</summary>
public interface IDecryptionBudget
{
    /// <summary>Decryptions reserved so far.</summary>
    long Used { get; }

    /// <summary>Reserves one decryption durably; throws <see cref="DecisionBudgetSpentException"/> when the budget is spent.</summary>
    void Reserve();
}

/// <summary>A key was revoked, destroyed or never existed; everything bound to it is unusable.</summary>
public sealed class KeyRevokedException(string keyId) : Exception($"Key {keyId} is revoked or unknown; templates bound to it can no longer be used.")
{
    /// <summary>The key's id.</summary>
    public string KeyId { get; } = keyId;
}

/// <summary>A provider key has made every flooded decryption its noise-flooding bound allows; it must be rotated.</summary>
public sealed class DecisionBudgetSpentException(long budget)
    : InvalidOperationException($"The decryption budget of this key ({budget}) is spent; rotate the provider's encryption key.")
{
    /// <summary>The key's budget.</summary>
    public long Budget { get; } = budget;
}
