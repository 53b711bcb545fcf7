namespace Obscura.Biometrics.Decisions;

/// <summary>
/// What the capture side asks the key holder for before a verification: a single-use ticket for one decision on one
/// enrolment, and the public half of an ephemeral ECDH P-256 key the decision will be encrypted to.
/// </summary>
/// <param name="SubjectId">The subject being verified.</param>
/// <param name="EnrolmentId">The stored reference the probe will be compared with.</param>
/// <param name="EncryptionKeyId">The provider encryption key the reference is under.</param>
/// <param name="CapturePublicKey">The capture side's ephemeral ECDH P-256 public key (SubjectPublicKeyInfo).</param>
public sealed record DecisionTicketRequest(string SubjectId, string EnrolmentId, string EncryptionKeyId, byte[] CapturePublicKey)
{
    /// <summary>Throws <see cref="ArgumentException"/> unless every id is present and the public key is given.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(SubjectId);
        ArgumentException.ThrowIfNullOrWhiteSpace(EnrolmentId);
        ArgumentException.ThrowIfNullOrWhiteSpace(EncryptionKeyId);
        if (CapturePublicKey is not { Length: > 0 and <= 512 })
        {
            throw new ArgumentException("The capture public key is a P-256 SubjectPublicKeyInfo.", nameof(CapturePublicKey));
        }
    }
}
