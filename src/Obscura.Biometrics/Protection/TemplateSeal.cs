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
    byte[] Signature,
    int KeySwitches = 0)
{
    /// <summary>What the sealing role signs for this template: its bindings and the SHA-256 of its ciphertext.</summary>
    public SealRequest ToSealRequest() =>
        new(EnrolmentId, SubjectId, TransformationKeyId, EncryptionKeyId, CreatedAt, SHA256.HashData(Ciphertext), KeySwitches);

    /// <summary>The canonical bytes a seal covers: a version tag naming the slot layout, each id length-prefixed, the time, the key-switch count and the ciphertext digest.</summary>
    internal static byte[] SignedBytes(SealRequest request, string sealingKeyId)
    {
        using var buffer = new MemoryStream();
        Write(buffer, "obscura/sealed-template/" + ProtectedTemplateScheme.LayoutVersion);
        Write(buffer, request.EnrolmentId);
        Write(buffer, request.SubjectId);
        Write(buffer, request.TransformationKeyId);
        Write(buffer, request.EncryptionKeyId);
        Write(buffer, sealingKeyId);
        Span<byte> time = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(time, request.CreatedAt.ToUnixTimeMilliseconds());
        buffer.Write(time);
        BinaryPrimitives.WriteInt32BigEndian(time, request.KeySwitches);
        buffer.Write(time[..4]);
        buffer.Write(request.CiphertextSha256);
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

/// <summary>
/// What a seal binds, sent to the sealing role: the ids, the time and the SHA-256 of the ciphertext (never the
/// ciphertext itself, so the key service does not see even the encrypted template), and how many key switches
/// (rotations) the ciphertext went through since onboarding.
/// </summary>
public sealed record SealRequest(string EnrolmentId, string SubjectId, string TransformationKeyId, string EncryptionKeyId, DateTimeOffset CreatedAt, byte[] CiphertextSha256, int KeySwitches = 0)
{
    /// <summary>Throws <see cref="ArgumentException"/> unless every id is present and the digest is 32 bytes.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(EnrolmentId);
        ArgumentException.ThrowIfNullOrWhiteSpace(SubjectId);
        ArgumentException.ThrowIfNullOrWhiteSpace(TransformationKeyId);
        ArgumentException.ThrowIfNullOrWhiteSpace(EncryptionKeyId);
        if (CiphertextSha256 is not { Length: 32 })
        {
            throw new ArgumentException("The ciphertext digest is a 32-byte SHA-256.", nameof(CiphertextSha256));
        }

        if (KeySwitches is < 0 or > ProtectedTemplateScheme.MaxKeySwitches)
        {
            throw new ArgumentException($"A template goes through 0 to {ProtectedTemplateScheme.MaxKeySwitches} key switches.", nameof(KeySwitches));
        }
    }

    /// <summary>The sealed template, once the sealing role returned its signature.</summary>
    public SealedTemplate WithSeal(string sealingKeyId, byte[] ciphertext, byte[] signature) =>
        new(EnrolmentId, SubjectId, TransformationKeyId, EncryptionKeyId, sealingKeyId, CreatedAt, ciphertext, signature, KeySwitches);
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
        ArgumentNullException.ThrowIfNull(ciphertext);
        var request = new SealRequest(enrolmentId, subjectId, transformationKeyId, encryptionKeyId, createdAt, SHA256.HashData(ciphertext));
        return request.WithSeal(KeyId, ciphertext, Sign(request));
    }

    /// <summary>The seal (signature) over a request's bindings and ciphertext digest.</summary>
    public byte[] Sign(SealRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        return _key.SignData(SealedTemplate.SignedBytes(request, KeyId), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
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
        // A template that crossed a network may miss parts; incomplete is broken, never a crash.
        if (template is not { EnrolmentId: not null, SubjectId: not null, TransformationKeyId: not null, EncryptionKeyId: not null, SealingKeyId: not null, Ciphertext: not null, Signature: not null })
        {
            throw new BrokenSealException("The sealed template is incomplete.");
        }

        Verify(template.ToSealRequest(), template.SealingKeyId, template.Signature);
        if (template.SubjectId != subjectId)
        {
            throw new BrokenSealException($"Enrolment {template.EnrolmentId} belongs to another subject.");
        }
    }

    /// <summary>Checks a seal over a template's bindings and ciphertext digest, without the ciphertext itself.</summary>
    /// <exception cref="BrokenSealException">The seal is broken or was made with another key.</exception>
    public void Verify(SealRequest request, string sealingKeyId, byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (sealingKeyId != KeyId)
        {
            throw new BrokenSealException($"The template was sealed with key {sealingKeyId}, not the provider's {KeyId}.");
        }

        try
        {
            request.Validate();
        }
        catch (ArgumentException e)
        {
            throw new BrokenSealException($"The sealed bindings are incomplete: {e.Message}");
        }

        if (signature is null || !_key.VerifyData(SealedTemplate.SignedBytes(request, KeyId), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            throw new BrokenSealException($"The seal of enrolment {request.EnrolmentId} is broken: the template or its bindings were changed.");
        }
    }
}
