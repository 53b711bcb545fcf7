using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Keys;

/// <summary>
/// The count of flooded decryptions of one key, shared by every key holder (thread or process) that decrypts with the
/// key: the limit is the <see cref="NoiseFloodingPolicy.MaxDecryptions"/> the flooding σ was sized for, and it holds
/// for the total of all of them, not per holder.
/// </summary>
public interface IDecryptionBudget
{
    /// <summary>Decryptions reserved so far, by every holder of the key.</summary>
    long Used { get; }

    /// <summary>
    /// Reserves one decryption under <paramref name="policy"/>, atomically with the check against its limit and durably
    /// before the caller decrypts. The budget is bound to one policy (the first one reserved under, or the one stored
    /// with it); a reservation under any other policy is refused, so every holder floods with the same σ and no holder
    /// can raise t.
    /// </summary>
    /// <exception cref="DecisionBudgetSpentException"><see cref="NoiseFloodingPolicy.MaxDecryptions"/> decryptions were reserved already.</exception>
    /// <exception cref="FloodingPolicyMismatchException">The budget is bound to another policy.</exception>
    void Reserve(NoiseFloodingPolicy policy);
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
