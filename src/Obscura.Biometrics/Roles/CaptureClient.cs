using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Protection;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Roles;

/// <summary>
/// The capturing side (the provider's app or onboarding desk): transforms a template with the user's transformation key
/// and encrypts it under the provider's public key. It can encrypt but never decrypt.
/// </summary>
public sealed class CaptureClient
{
    private readonly CkksEncryptor _encryptor = new(ProtectedTemplateScheme.Parameters);
    private readonly CkksPublicKey _publicKey;

    /// <summary>Creates a client for the provider's public key.</summary>
    public CaptureClient(string encryptionKeyId, CkksPublicKey publicKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(encryptionKeyId);
        ArgumentNullException.ThrowIfNull(publicKey);
        EncryptionKeyId = encryptionKeyId;
        _publicKey = publicKey;
    }

    /// <summary>The id of the key templates are encrypted under.</summary>
    public string EncryptionKeyId { get; }

    /// <summary>The encrypted reference (serialised ciphertext) for onboarding.</summary>
    public byte[] EncryptReference(TransformedTemplate template) =>
        Encrypt(ProtectedTemplateScheme.ReferenceSlots(template));

    /// <summary>The encrypted probe for a verification at <paramref name="threshold"/>.</summary>
    public byte[] EncryptProbe(TransformedTemplate template, double threshold) =>
        Encrypt(ProtectedTemplateScheme.ProbeSlots(template, threshold));

    private byte[] Encrypt(System.Numerics.Complex[] slots) =>
        CkksSerializer.Serialize(_encryptor.Encrypt(_publicKey, _encryptor.Encode(slots)));
}
