using System.Security.Cryptography;
using Obscura.Biometrics.Protection;
using Obscura.Security.Keys;

namespace Obscura.Biometrics.Decisions;

/// <summary>
/// The comparison role's own signing key (ECDSA P-256): it attests which sealed reference, probe and ticket each
/// comparison result was computed from. The key holder pins the public half and decides only on attested results. The
/// private key lives in the comparison role's own key store (<see cref="OpenOrCreate"/>), never with another role.
/// </summary>
public sealed class ComparisonAttester : IDisposable
{
    private const string KeyId = "comparison-attestation";
    private const string Owner = "comparison";
    private readonly ECDsa _key;

    private ComparisonAttester(ECDsa key)
    {
        _key = key;
        PublicKey = key.ExportSubjectPublicKeyInfo();
    }

    /// <summary>The public half (SubjectPublicKeyInfo) the key holder pins.</summary>
    public byte[] PublicKey { get; }

    /// <summary>
    /// Opens the attestation key in the comparison role's key store in <paramref name="directory"/> (a
    /// <see cref="ShreddingKeyStore"/>), creating the store and the key on first use.
    /// </summary>
    /// <exception cref="InvalidDataException">The stored key is damaged or its key-encryption key is missing.</exception>
    public static ComparisonAttester OpenOrCreate(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        using var store = ShreddingKeyStore.Open(directory);
        var pkcs8 = store.Find(KeyId);
        if (pkcs8 is null)
        {
            if (store.StateOf(KeyId) == StoredKeyState.Destroyed)
            {
                throw new InvalidDataException("The comparison role's attestation key was destroyed; open a new comparison folder.");
            }

            using var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            pkcs8 = created.ExportPkcs8PrivateKey();
            try
            {
                store.Add(KeyId, Owner, pkcs8);
            }
            catch (InvalidOperationException)
            {
                // Another process created it first: use theirs.
                CryptographicOperations.ZeroMemory(pkcs8);
                pkcs8 = store.Find(KeyId) ?? throw new InvalidDataException("The comparison role's attestation key vanished while it was created.");
            }
        }

        try
        {
            var key = ECDsa.Create();
            key.ImportPkcs8PrivateKey(pkcs8, out _);
            return new ComparisonAttester(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>A key in memory only, for tests and benchmarks.</summary>
    public static ComparisonAttester Ephemeral() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>The attested result of comparing <paramref name="reference"/> with <paramref name="probe"/> for the ticket <paramref name="ticketNonce"/>.</summary>
    public AttestedComparison Attest(byte[] ticketNonce, SealedTemplate reference, byte[] probe, byte[] result)
    {
        ArgumentNullException.ThrowIfNull(ticketNonce);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(result);
        var bindings = reference.ToSealRequest();
        var probeSha256 = SHA256.HashData(probe);
        var signature = _key.SignData(
            AttestationBytes.Of(ticketNonce, bindings, reference.SealingKeyId, reference.Signature, probeSha256, result),
            HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new AttestedComparison(ticketNonce, bindings, reference.SealingKeyId, reference.Signature, probeSha256, result, signature);
    }

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();
}
