using Obscura.Biometrics.Protection;

namespace Obscura.Biometrics.Decisions;

/// <summary>
/// A comparison result with the comparison role's signed statement of what it was computed from: the ticket, the
/// sealed reference (its bindings, ciphertext digest and seal), the SHA-256 of the probe and of the result. The key
/// holder decrypts nothing else.
/// </summary>
/// <param name="TicketNonce">The nonce of the ticket the capture side obtained for this verification.</param>
/// <param name="Reference">The reference's sealed bindings (ids, time, key switches, ciphertext digest).</param>
/// <param name="SealingKeyId">The key that sealed the reference.</param>
/// <param name="Seal">The reference's seal.</param>
/// <param name="ProbeSha256">SHA-256 of the encrypted probe.</param>
/// <param name="Result">The encrypted, blinded comparison result.</param>
/// <param name="Signature">The comparison role's ECDSA P-256 signature over all of the above (the result by its SHA-256).</param>
public sealed record AttestedComparison(byte[] TicketNonce, SealRequest Reference, string SealingKeyId, byte[] Seal, byte[] ProbeSha256, byte[] Result, byte[] Signature);
