using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Obscura.Biometrics.Protection;

/// <summary>
/// A protected template as stored: the encrypted transformed template and the ids that bind it, sealed with an ECDSA
/// P-256 signature by the onboarding role. Storage and comparison hold only the public half of the sealing key, so
/// they cannot forge, substitute or re-bind a template to another subject, enrolment or key.
/// </summary>
public sealed record SealedTemplate(
    string EnrolmentId,
    string SubjectId,
    string TransformationKeyId,
    string EncryptionKeyId,
    string SealingKeyId,
    DateTimeOffset CreatedAt,
    byte[] Ciphertext,
    byte[] Signature)
{
    /// <summary>The canonical bytes the signature covers: a version tag, each id length-prefixed, the time and SHA-256 of the ciphertext.</summary>
    internal byte[] SignedBytes()
    {
        using var buffer = new MemoryStream();
        Write(buffer, "obscura/sealed-template/v1");
        Write(buffer, EnrolmentId);
        Write(buffer, SubjectId);
        Write(buffer, TransformationKeyId);
        Write(buffer, EncryptionKeyId);
        Write(buffer, SealingKeyId);
        Span<byte> time = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(time, CreatedAt.ToUnixTimeMilliseconds());
        buffer.Write(time);
        buffer.Write(SHA256.HashData(Ciphertext));
        return buffer.ToArray();
    }

    private static void Write(MemoryStream buffer, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        buffer.Write(length);
        buffer.Write(bytes);
    }
}

/// <summary>A sealed template whose signature does not verify, or that is bound to something else than expected.</summary>
public sealed class BrokenSealException(string message) : Exception(message);

/// <summary>Seals templates with the private half of a sealing key (onboarding role only).</summary>
public sealed class TemplateSealer : IDisposable
{
    private readonly ECDsa _key;

    /// <summary>Creates a sealer over a P-256 private key.</summary>
    public TemplateSealer(string keyId, ECDsa privateKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        ArgumentNullException.ThrowIfNull(privateKey);
        KeyId = keyId;
        _key = privateKey;
    }

    /// <summary>The sealing key's id.</summary>
    public string KeyId { get; }

    /// <summary>Seals a ciphertext and its bindings.</summary>
    public SealedTemplate Seal(string enrolmentId, string subjectId, string transformationKeyId, string encryptionKeyId, DateTimeOffset createdAt, byte[] ciphertext)
    {
        var unsigned = new SealedTemplate(enrolmentId, subjectId, transformationKeyId, encryptionKeyId, KeyId, createdAt, ciphertext, []);
        return unsigned with { Signature = _key.SignData(unsigned.SignedBytes(), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation) };
    }

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();
}

/// <summary>Verifies seals with the public half of a sealing key (storage and comparison roles).</summary>
public sealed class TemplateSealVerifier
{
    private readonly ECDsa _key;

    /// <summary>Creates a verifier from a SubjectPublicKeyInfo-encoded P-256 public key.</summary>
    public TemplateSealVerifier(string keyId, ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        KeyId = keyId;
        _key = ECDsa.Create();
        _key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        if (_key.KeySize != 256)
        {
            throw new ArgumentException("A sealing key is a P-256 key.", nameof(subjectPublicKeyInfo));
        }
    }

    /// <summary>The sealing key's id.</summary>
    public string KeyId { get; }

    /// <summary>Checks the signature and that the template belongs to <paramref name="subjectId"/>.</summary>
    /// <exception cref="BrokenSealException">The seal is broken, made with another key, or binds another subject.</exception>
    public void Verify(SealedTemplate template, string subjectId)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (template.SealingKeyId != KeyId)
        {
            throw new BrokenSealException($"The template was sealed with key {template.SealingKeyId}, not the provider's {KeyId}.");
        }

        if (!_key.VerifyData(template.SignedBytes(), template.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            throw new BrokenSealException($"The seal of enrolment {template.EnrolmentId} is broken: the template or its bindings were changed.");
        }

        if (template.SubjectId != subjectId)
        {
            throw new BrokenSealException($"Enrolment {template.EnrolmentId} belongs to another subject.");
        }
    }
}
