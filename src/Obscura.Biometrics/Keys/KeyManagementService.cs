using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Obscura.Biometrics.Protection;
using Obscura.Homomorphic.Bgv;
using Obscura.Security.Files;

namespace Obscura.Biometrics.Keys;

/// <summary>
/// Generates, stores, rotates and revokes the provider's keys: its homomorphic encryption key and its sealing key.
/// Template transformation keys live on the capture side, in <see cref="CaptureKeyStore"/>. Secret material is stored
/// wrapped with AES-256-GCM under a master key that never leaves this service's folder. The key id and kind are
/// authenticated as associated data, so a wrapped key cannot be moved to another record. Revoking a key destroys its
/// wrapped material. Public material (public, relinearisation and Galois keys, the sealing public key) is stored in the
/// clear. Every file is written to a temporary name, flushed to disk and renamed, so a crash leaves the old or the new
/// version, never a torn one. The key holder opens this store in its own folder with its own master key (the capture
/// side's transformation keys are in another store under another key). Disposing zeroes the master key.
/// </summary>
public sealed class KeyManagementService : IDisposable
{
    private const string EncryptionKind = "homomorphic-encryption";
    private const string SealingKind = "sealing";
    private readonly string _directory;
    private readonly byte[] _masterKey;
    private readonly Lock _gate = new();
    private bool _disposed;

    private KeyManagementService(string directory, byte[] masterKey)
    {
        _directory = directory;
        _masterKey = masterKey;
    }

    /// <summary>Opens (creating if needed) a key store in <paramref name="directory"/>; the master key file is owner-only.</summary>
    public static KeyManagementService Open(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        OwnerOnlyFiles.CreateDirectory(directory);
        var path = Path.Combine(directory, "master.key");
        if (!File.Exists(path))
        {
            OwnerOnlyFiles.WriteAtomically(path, RandomNumberGenerator.GetBytes(32));
        }

        var master = File.ReadAllBytes(path);
        if (master.Length != 32)
        {
            throw new InvalidDataException("The key store's master key is damaged (not 32 bytes).");
        }

        return new KeyManagementService(directory, master);
    }

    /// <summary>Creates a provider's homomorphic encryption key (with its evaluation keys) and sealing key.</summary>
    public ProviderKeyIds CreateProviderKeys(string providerId) =>
        new(providerId, CreateEncryptionKey(providerId), CreateSealingKey(providerId));

    /// <summary>Creates a homomorphic encryption key: the wrapped secret key, and the public and evaluation keys in the clear.</summary>
    public string CreateEncryptionKey(string providerId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(providerId);
        var generator = new BgvKeyGenerator(ProtectedTemplateScheme.Parameters);
        var encryptionId = NewId("hek");
        using var secret = generator.CreateSecretKey();
        WritePublic(encryptionId, "pk", BgvSerializer.Serialize(generator.CreatePublicKey(secret)));
        WritePublic(encryptionId, "relin", BgvSerializer.Serialize(generator.CreateRelinearizationKey(secret)));
        WritePublic(encryptionId, "galois", BgvSerializer.Serialize(generator.CreateGaloisKeys(secret, ProtectedTemplateScheme.RotationSteps, columnSwap: false)));
        var exported = BgvSerializer.ExportSecretKey(secret);
        Store(encryptionId, EncryptionKind, providerId, exported, publicMaterial: null);
        CryptographicOperations.ZeroMemory(exported);
        return encryptionId;
    }

    /// <summary>Creates an ECDSA P-256 sealing key: the wrapped private key and its public half.</summary>
    public string CreateSealingKey(string providerId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(providerId);
        var sealingId = NewId("seal");
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pkcs8 = ecdsa.ExportPkcs8PrivateKey();
        Store(sealingId, SealingKind, providerId, pkcs8, ecdsa.ExportSubjectPublicKeyInfo());
        CryptographicOperations.ZeroMemory(pkcs8);
        return sealingId;
    }

    /// <summary>
    /// Creates the key-switching key from encryption key <paramref name="fromId"/> to <paramref name="toId"/>, for a
    /// rotation. It is public material, but with the new secret it opens everything under the old key, so it is kept
    /// only while the old key is active and destroyed with it.
    /// </summary>
    public void CreateRotationKey(string fromId, string toId)
    {
        using var from = OpenDecryptionKey(fromId);
        using var to = OpenDecryptionKey(toId);
        WritePublic(fromId, $"to-{SafeName(toId)}", BgvSerializer.Serialize(new BgvKeyGenerator(ProtectedTemplateScheme.Parameters).CreateKeySwitchKey(from, to)));
    }

    /// <summary>The serialised key-switching key from <paramref name="fromId"/> to <paramref name="toId"/>.</summary>
    /// <exception cref="KeyRevokedException">Either key is no longer active, or no such rotation key exists.</exception>
    public byte[] ReadRotationKey(string fromId, string toId)
    {
        if (!IsActive(toId) || !File.Exists(Path.Combine(_directory, $"{SafeName(fromId)}.to-{SafeName(toId)}")))
        {
            throw new KeyRevokedException(fromId);
        }

        return ReadPublic(fromId, $"to-{SafeName(toId)}");
    }

    /// <summary>The serialised public key of an active encryption key.</summary>
    public byte[] ReadPublicKey(string encryptionKeyId) => ReadPublic(encryptionKeyId, "pk");

    /// <summary>The serialised relinearisation and Galois keys of an active encryption key.</summary>
    public (byte[] Relinearization, byte[] Galois) ReadEvaluationKeys(string encryptionKeyId) =>
        (ReadPublic(encryptionKeyId, "relin"), ReadPublic(encryptionKeyId, "galois"));

    /// <summary>The public half (SubjectPublicKeyInfo) of an active sealing key.</summary>
    public byte[] ReadSealPublicKey(string sealingKeyId)
    {
        var record = Read(sealingKeyId);
        if (record is not { Status: "active", Kind: SealingKind, PublicMaterial: { } material })
        {
            throw new KeyRevokedException(sealingKeyId);
        }

        return Convert.FromBase64String(material);
    }

    /// <summary>The provider's homomorphic secret key (key-holder role only).</summary>
    public BgvSecretKey OpenDecryptionKey(string encryptionKeyId)
    {
        var secret = Unwrap(encryptionKeyId, EncryptionKind);
        try
        {
            return BgvSerializer.ImportSecretKey(secret, ProtectedTemplateScheme.Parameters);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>The sealer over the provider's sealing private key (onboarding role only).</summary>
    public TemplateSealer OpenSealer(string sealingKeyId)
    {
        var pkcs8 = Unwrap(sealingKeyId, SealingKind);
        try
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
            return new TemplateSealer(sealingKeyId, ecdsa);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>The seal verifier (public half of the sealing key).</summary>
    public TemplateSealVerifier OpenSealVerifier(string sealingKeyId) => new(sealingKeyId, ReadSealPublicKey(sealingKeyId));

    /// <summary>The provider's public key, for capture clients.</summary>
    public BgvPublicKey OpenPublicKey(string encryptionKeyId) =>
        BgvSerializer.DeserializePublicKey(ReadPublic(encryptionKeyId, "pk"), ProtectedTemplateScheme.Parameters);

    /// <summary>The provider's evaluation keys, for the comparison role.</summary>
    public (BgvRelinearizationKey Relinearization, BgvGaloisKeys Galois) OpenEvaluationKeys(string encryptionKeyId) =>
        (BgvSerializer.DeserializeRelinearizationKey(ReadPublic(encryptionKeyId, "relin"), ProtectedTemplateScheme.Parameters),
         BgvSerializer.DeserializeGaloisKeys(ReadPublic(encryptionKeyId, "galois"), ProtectedTemplateScheme.Parameters));

    /// <summary>Revokes a key and destroys its wrapped material; templates bound to it stop working everywhere.</summary>
    /// <exception cref="KeyRevokedException">Unknown key.</exception>
    public void Revoke(string keyId)
    {
        lock (_gate)
        {
            var record = Read(keyId) ?? throw new KeyRevokedException(keyId);
            Write(record with { Status = "revoked", RevokedAt = DateTimeOffset.UtcNow, Nonce = null, Wrapped = null, Tag = null });

            // Rotation keys from this key would let the next key's holder read what was under this one: they go too.
            foreach (var rotation in Directory.EnumerateFiles(_directory, $"{SafeName(keyId)}.to-*"))
            {
                File.Delete(rotation);
            }
        }
    }

    /// <summary>Whether the key exists and is neither revoked nor destroyed.</summary>
    public bool IsActive(string keyId)
    {
        var record = Read(keyId);
        return record is { Status: "active" };
    }

    /// <summary>
    /// A 32-byte key derived from this store's master key for <paramref name="purpose"/> (HKDF-SHA256), so a role can
    /// authenticate its own state files without keeping another secret. The caller zeroes it after use.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public byte[] DeriveKey(string purpose)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(purpose);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, _masterKey, 32, info: Encoding.UTF8.GetBytes("obscura/kms/derived/v1\n" + purpose));
        }
    }

    /// <summary>Zeroes the master key; the store can no longer wrap or unwrap anything.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            CryptographicOperations.ZeroMemory(_masterKey);
        }
    }

    private static string NewId(string prefix) => $"{prefix}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";

    private void Store(string id, string kind, string owner, byte[] secret, byte[]? publicMaterial)
    {
        var nonce = RandomNumberGenerator.GetBytes(12);
        var wrapped = new byte[secret.Length];
        var tag = new byte[16];
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using (var gcm = new AesGcm(_masterKey, 16))
            {
                gcm.Encrypt(nonce, secret, wrapped, tag, AssociatedData(id, kind));
            }

            Write(new KeyRecord(id, kind, owner, "active", DateTimeOffset.UtcNow, null, Convert.ToBase64String(nonce), Convert.ToBase64String(wrapped), Convert.ToBase64String(tag), publicMaterial is null ? null : Convert.ToBase64String(publicMaterial)));
        }
    }

    private byte[] Unwrap(string id, string kind)
    {
        var record = Read(id);
        if (record is not { Status: "active", Nonce: { } nonce, Wrapped: { } wrapped, Tag: { } tag } || record.Kind != kind)
        {
            throw new KeyRevokedException(id);
        }

        var ciphertext = Convert.FromBase64String(wrapped);
        var secret = new byte[ciphertext.Length];
        AesGcm gcm;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            gcm = new AesGcm(_masterKey, 16);
        }

        using var _ = gcm;
        try
        {
            gcm.Decrypt(Convert.FromBase64String(nonce), ciphertext, Convert.FromBase64String(tag), secret, AssociatedData(id, kind));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new InvalidDataException($"The wrapped material of key {id} fails authentication: the key store was tampered with.");
        }

        return secret;
    }

    private static byte[] AssociatedData(string id, string kind) => Encoding.UTF8.GetBytes($"obscura/kms/v1\n{id}\n{kind}");

    private KeyRecord? Read(string id)
    {
        var path = RecordPath(id);
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), KeyStoreJson.Default.KeyRecord) : null;
    }

    private void Write(KeyRecord record) => OwnerOnlyFiles.WriteAtomically(RecordPath(record.Id), JsonSerializer.SerializeToUtf8Bytes(record, KeyStoreJson.Default.KeyRecord));

    private void WritePublic(string id, string part, byte[] bytes) => OwnerOnlyFiles.WriteAtomically(Path.Combine(_directory, $"{SafeName(id)}.{part}"), bytes);

    private byte[] ReadPublic(string id, string part)
    {
        if (!IsActive(id))
        {
            throw new KeyRevokedException(id);
        }

        return File.ReadAllBytes(Path.Combine(_directory, $"{SafeName(id)}.{part}"));
    }

    private string RecordPath(string id) => Path.Combine(_directory, SafeName(id) + ".json");

    private static string SafeName(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        if (id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException("A key id is up to 64 ASCII letters, digits and underscores.", nameof(id));
        }

        return id;
    }
}

/// <summary>
/// The ids of a provider's keys: the current generation, and while a rotation is under way the previous one, whose
/// templates are being switched to the current keys.
/// </summary>
public sealed record ProviderKeyIds(string ProviderId, string EncryptionKeyId, string SealingKeyId, string? PreviousEncryptionKeyId = null, string? PreviousSealingKeyId = null)
{
    /// <summary>Whether a rotation is under way.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Rotating => PreviousEncryptionKeyId is not null;
}

/// <summary>One key's record in the store.</summary>
internal sealed record KeyRecord(string Id, string Kind, string Owner, string Status, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, string? Nonce, string? Wrapped, string? Tag, string? PublicMaterial);

[System.Text.Json.Serialization.JsonSerializable(typeof(KeyRecord))]
internal sealed partial class KeyStoreJson : System.Text.Json.Serialization.JsonSerializerContext;
