namespace Obscura.Biometrics.Decisions;

/// <summary>
/// A single-use permission for one decision, issued by the key holder to the capture side. The key holder keeps it
/// (bound to the subject, enrolment and encryption key) until it is consumed or expires, in its state database, so it
/// is single-use across processes. The comparison role puts <see cref="Nonce"/> into its attestation; the key holder
/// encrypts the decision to the capture side under a key agreed from <see cref="KeyHolderPublicKey"/> and the capture
/// side's ephemeral key, so the comparison role that relays it cannot read or forge it.
/// </summary>
/// <param name="Nonce">32 random bytes naming the ticket.</param>
/// <param name="SubjectId">The subject it is for.</param>
/// <param name="EnrolmentId">The enrolment it is for.</param>
/// <param name="EncryptionKeyId">The provider encryption key it is for.</param>
/// <param name="ExpiresAt">After this instant the key holder refuses it.</param>
/// <param name="KeyHolderPublicKey">The key holder's ephemeral ECDH P-256 public key for this ticket (SubjectPublicKeyInfo).</param>
public sealed record DecisionTicket(byte[] Nonce, string SubjectId, string EnrolmentId, string EncryptionKeyId, DateTimeOffset ExpiresAt, byte[] KeyHolderPublicKey);
