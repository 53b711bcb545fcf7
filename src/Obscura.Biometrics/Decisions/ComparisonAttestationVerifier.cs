using System.Security.Cryptography;

namespace Obscura.Biometrics.Decisions;

/// <summary>The key holder's check of comparison attestations, against the comparison role's pinned public key.</summary>
public sealed class ComparisonAttestationVerifier
{
    private readonly ECDsa _key;

    /// <summary>Pins the comparison role's P-256 public key (SubjectPublicKeyInfo).</summary>
    /// <exception cref="ArgumentException">Not a P-256 public key.</exception>
    public ComparisonAttestationVerifier(ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        _key = ECDsa.Create();
        try
        {
            _key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException("The comparison role's attestation key is not a SubjectPublicKeyInfo.", nameof(subjectPublicKeyInfo), e);
        }

        if (_key.KeySize != 256)
        {
            throw new ArgumentException("The comparison role's attestation key is a P-256 key.", nameof(subjectPublicKeyInfo));
        }
    }

    /// <summary>Whether the comparison role signed exactly this result, reference, probe digest and ticket.</summary>
    public bool Verify(AttestedComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        if (comparison is not { TicketNonce: not null, Reference: not null, SealingKeyId: not null, Seal: not null, ProbeSha256: { Length: 32 }, Result: not null, Signature: not null })
        {
            return false;
        }

        try
        {
            return _key.VerifyData(
                AttestationBytes.Of(comparison.TicketNonce, comparison.Reference, comparison.SealingKeyId, comparison.Seal, comparison.ProbeSha256, comparison.Result),
                comparison.Signature,
                HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (ArgumentException)
        {
            // Ids that cannot be encoded (null inside the bindings) are not a valid attestation.
            return false;
        }
    }
}
