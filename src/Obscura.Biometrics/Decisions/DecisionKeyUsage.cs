namespace Obscura.Biometrics.Decisions;

/// <summary>One provider encryption key's decision count, as the key holder's state records it (authenticated; no limit).</summary>
/// <param name="EncryptionKeyId">The key.</param>
/// <param name="Decisions">Decisions made under the key so far.</param>
public sealed record DecisionKeyUsage(string EncryptionKeyId, long Decisions);
