namespace Obscura.Biometrics.Decisions;

/// <summary>One provider encryption key's decision budget, as the key holder's state records it.</summary>
/// <param name="EncryptionKeyId">The key.</param>
/// <param name="Used">Flooded decryptions reserved so far.</param>
/// <param name="MaxDecryptions">The budget t its flooding policy was made for.</param>
/// <param name="ErrorBound">The calibrated bound E on the comparison circuit's coefficient error.</param>
public sealed record DecisionKeyUsage(string EncryptionKeyId, long Used, long MaxDecryptions, double ErrorBound);
