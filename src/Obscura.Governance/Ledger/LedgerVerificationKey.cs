using System.Security.Cryptography;
using Obscura.Governance.Internal;

namespace Obscura.Governance.Ledger;

/// <summary>The public half of the ledger's signing key: checks signed tree heads. Safe to publish to auditors.</summary>
public sealed class LedgerVerificationKey : IDisposable
{
    private readonly ECDsa _ecdsa;
    private bool _disposed;

    private LedgerVerificationKey(ECDsa ecdsa)
    {
        _ecdsa = ecdsa;
        SubjectPublicKeyInfo = ecdsa.ExportSubjectPublicKeyInfo();
        KeyId = ComputeKeyId(SubjectPublicKeyInfo);
    }

    /// <summary>First 8 bytes of SHA-256 over the DER SubjectPublicKeyInfo, as 16 lower-case hex digits.</summary>
    public string KeyId { get; }

    /// <summary>The DER-encoded X.509 SubjectPublicKeyInfo.</summary>
    public byte[] SubjectPublicKeyInfo { get; }

    /// <summary>Imports a P-256 public key from DER SubjectPublicKeyInfo.</summary>
    /// <exception cref="ArgumentException">The bytes are not a P-256 public key.</exception>
    public static LedgerVerificationKey FromSubjectPublicKeyInfo(ReadOnlySpan<byte> spki)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportSubjectPublicKeyInfo(spki, out _);
        }
        catch (CryptographicException)
        {
            ecdsa.Dispose();
            return ThrowHelper.Argument<LedgerVerificationKey>(nameof(spki), "Not a DER SubjectPublicKeyInfo of an ECDSA key.");
        }

        return Wrap(ecdsa, nameof(spki));
    }

    /// <summary>Imports a P-256 public key from PEM (<c>-----BEGIN PUBLIC KEY-----</c>).</summary>
    /// <exception cref="ArgumentException">The text is not a PEM P-256 public key.</exception>
    public static LedgerVerificationKey FromPem(string pem)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            ecdsa.Dispose();
            return ThrowHelper.Argument<LedgerVerificationKey>(nameof(pem), "Not a PEM-encoded ECDSA public key.");
        }

        return Wrap(ecdsa, nameof(pem));
    }

    /// <summary>The key as PEM, for publishing.</summary>
    public string ExportPem()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return PemEncoding.WriteString("PUBLIC KEY", SubjectPublicKeyInfo);
    }

    /// <summary>Whether <paramref name="head"/> was signed by this key and its fields are intact.</summary>
    public bool Verify(SignedTreeHead head)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(head);
        return head.KeyId == KeyId
            && head.RootHash is { Length: MerkleHash.Size }
            && head.Signature is { Length: 64 }
            && _ecdsa.VerifyData(head.ToBeSigned(), head.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        _ecdsa.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"LedgerVerificationKey({KeyId})";

    /// <summary>Whether the key is on NIST P-256 (checked by curve OID: other 256-bit curves are refused).</summary>
    internal static bool IsP256(ECDsa ecdsa) => ecdsa.ExportParameters(includePrivateParameters: false).Curve.Oid?.Value == ECCurve.NamedCurves.nistP256.Oid.Value;

    internal static string ComputeKeyId(byte[] spki) => Convert.ToHexStringLower(SHA256.HashData(spki).AsSpan(0, 8));

    private static LedgerVerificationKey Wrap(ECDsa ecdsa, string paramName)
    {
        if (!IsP256(ecdsa))
        {
            ecdsa.Dispose();
            return ThrowHelper.Argument<LedgerVerificationKey>(paramName, "The ledger uses ECDSA P-256 keys.");
        }

        return new LedgerVerificationKey(ecdsa);
    }
}
