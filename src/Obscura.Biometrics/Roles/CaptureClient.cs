using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Protection;
using Obscura.Homomorphic.Bgv;

namespace Obscura.Biometrics.Roles;

/// <summary>
/// The capturing side (the provider's app or onboarding desk): transforms a template with the user's transformation key,
/// quantises it and encrypts it under the provider's public key. It can encrypt but never decrypt.
/// </summary>
public sealed class CaptureClient
{
    private readonly BgvEncoder _encoder = new(ProtectedTemplateScheme.Parameters);
    private readonly BgvEncryptor _encryptor = new(ProtectedTemplateScheme.Parameters);
    private readonly BgvPublicKey _publicKey;

    /// <summary>Creates a client for the provider's public key.</summary>
    public CaptureClient(string encryptionKeyId, BgvPublicKey publicKey)
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

    /// <summary>
    /// The encrypted probe for a verification at <paramref name="threshold"/>, with the number of result ciphertexts
    /// that threshold needs (<see cref="ProtectedTemplateScheme.ResultCiphertextsFor"/>) in the clear beside it.
    /// </summary>
    public byte[] EncryptProbe(TransformedTemplate template, double threshold) =>
        ExactDecision.WrapProbe(ProtectedTemplateScheme.ResultCiphertextsFor(threshold), Encrypt(ProtectedTemplateScheme.ProbeSlots(template, threshold)));

    private byte[] Encrypt(long[] slots)
    {
        try
        {
            return BgvSerializer.Serialize(_encryptor.Encrypt(_publicKey, _encoder.Encode(slots)));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(slots.AsSpan()));
        }
    }
}
