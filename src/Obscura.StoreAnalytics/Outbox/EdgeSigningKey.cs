using System.Security.Cryptography;

namespace Obscura.StoreAnalytics.Outbox;

/// <summary>
/// The edge device's ECDSA P-256 key (the curve the audit ledger uses). The processor holds only the public half
/// (<see cref="PublicKey"/>) and accepts a batch only under it. The private half is exported only on request.
/// </summary>
public sealed class EdgeSigningKey : IDisposable
{
    private readonly ECDsa _key;

    private EdgeSigningKey(ECDsa key) => _key = key;

    /// <summary>The SubjectPublicKeyInfo (DER) to register with the processor.</summary>
    public byte[] PublicKey => _key.ExportSubjectPublicKeyInfo();

    /// <summary>A fresh key.</summary>
    public static EdgeSigningKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Imports a PKCS#8 PEM private key.</summary>
    /// <exception cref="ArgumentException">Not a P-256 private key (the message holds no key material).</exception>
    public static EdgeSigningKey ImportPem(string pem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            _ = key.ExportParameters(includePrivateParameters: true);
            return key.KeySize == 256 ? new EdgeSigningKey(key) : throw new ArgumentException("The edge uses ECDSA P-256 keys.", nameof(pem));
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new ArgumentException("Not a PEM-encoded ECDSA P-256 private key.", nameof(pem));
        }
    }

    /// <summary>The private key as PKCS#8 PEM; store it owner-only.</summary>
    public string ExportPrivateKeyPem() => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>Signs a batch.</summary>
    public SignedBatch Sign(EventBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var payload = batch.ToPayload();
        return new SignedBatch(batch.BatchId, payload, _key.SignData(payload, HashAlgorithmName.SHA256));
    }

    /// <summary>Whether <paramref name="signature"/> over <paramref name="payload"/> verifies under a public key.</summary>
    public static bool Verify(byte[] publicKey, byte[] payload, byte[] signature)
    {
        using var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(publicKey, out _);
        }
        catch (CryptographicException)
        {
            return false;
        }

        return key.VerifyData(payload, signature, HashAlgorithmName.SHA256);
    }

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();

    /// <inheritdoc/>
    public override string ToString() => "EdgeSigningKey(P-256, private half hidden)";
}
