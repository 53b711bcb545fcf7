using System.Security.Cryptography;

namespace Obscura.Governance.Ledger;

/// <summary>
/// The ledger's ECDSA P-256 signing key. The private key is only exported when <see cref="ExportPrivateKeyPem"/> is
/// called explicitly; it never appears in <see cref="ToString"/>, logs or exceptions. A disposed key cannot be used.
/// </summary>
public sealed class LedgerSigningKey : IDisposable
{
    private readonly ECDsa _ecdsa;
    private bool _disposed;

    private LedgerSigningKey(ECDsa ecdsa)
    {
        _ecdsa = ecdsa;
        VerificationKey = LedgerVerificationKey.FromSubjectPublicKeyInfo(ecdsa.ExportSubjectPublicKeyInfo());
    }

    /// <summary>The matching public key.</summary>
    public LedgerVerificationKey VerificationKey { get; }

    /// <summary>The key id (see <see cref="LedgerVerificationKey.KeyId"/>).</summary>
    public string KeyId => VerificationKey.KeyId;

    /// <summary>Generates a fresh key from the operating system's CSPRNG.</summary>
    public static LedgerSigningKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Imports a P-256 private key from PKCS#8 PEM (<c>-----BEGIN PRIVATE KEY-----</c>).</summary>
    /// <exception cref="ArgumentException">The text is not a PEM P-256 private key. The message never contains key material.</exception>
    public static LedgerSigningKey ImportPem(string pem)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
            if (!LedgerVerificationKey.IsP256(ecdsa))
            {
                throw new ArgumentException("The ledger uses ECDSA P-256 keys.", nameof(pem));
            }

            // Prove the private half is present: a public-only PEM must not pass as a signing key.
            _ = ecdsa.ExportParameters(includePrivateParameters: true);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            ecdsa.Dispose();
            throw new ArgumentException("Not a PEM-encoded ECDSA P-256 private key.", nameof(pem));
        }

        return new LedgerSigningKey(ecdsa);
    }

    /// <summary>Exports the private key as unencrypted PKCS#8 PEM. Store the result with owner-only permissions.</summary>
    public string ExportPrivateKeyPem()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _ecdsa.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>Signs a tree head for <paramref name="treeSize"/> entries with root <paramref name="rootHash"/>.</summary>
    public SignedTreeHead Sign(long treeSize, byte[] rootHash, DateTimeOffset timestamp)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        ArgumentNullException.ThrowIfNull(rootHash);
        if (rootHash.Length != MerkleHash.Size)
        {
            throw new ArgumentException("A root hash is 32 bytes.", nameof(rootHash));
        }

        var ts = DateTimeOffset.FromUnixTimeMilliseconds(timestamp.ToUnixTimeMilliseconds());
        var signature = _ecdsa.SignData(SignedTreeHead.Encode(treeSize, ts, rootHash), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new SignedTreeHead(treeSize, rootHash, ts, KeyId, signature);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        _ecdsa.Dispose();
        VerificationKey.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"LedgerSigningKey({KeyId})";
}
