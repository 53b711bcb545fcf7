using System.Security.Cryptography;
using Obscura.Biometrics.Cancelable;
using Obscura.Security.Keys;

namespace Obscura.Biometrics.Keys;

/// <summary>
/// The capture side's key store: the per-enrolment template transformation keys (TTKs), each bound to its subject,
/// kept in a <see cref="ShreddingKeyStore"/> (<c>keys.db</c>, wrapped under an epoch key-encryption key). Destroying
/// keys starts a new epoch and erases the old KEK, so a backup of <c>keys.db</c> (or of the whole data folder without
/// the KEK folder) taken before a revocation, withdrawal or erasure cannot bring a destroyed key back. Nothing else
/// lives here: the provider's keys stay with the key holder.
/// </summary>
public sealed class CaptureKeyStore : IDisposable
{
    private readonly ShreddingKeyStore _keys;

    private CaptureKeyStore(ShreddingKeyStore keys) => _keys = keys;

    /// <summary>The key database.</summary>
    public string DatabasePath => _keys.DatabasePath;

    /// <summary>The store's folder (it also holds the capture side's journal of unfinished enrolment changes).</summary>
    public string Folder => Path.GetDirectoryName(_keys.DatabasePath)!;

    /// <summary>
    /// Opens (creating if needed) the store in <paramref name="directory"/>, with its KEK files in
    /// <paramref name="keyEncryptionKeyDirectory"/> (by default <c>kek/</c> inside it). Keep the KEK folder out of
    /// data backups, or a backup holds every epoch's key.
    /// </summary>
    public static CaptureKeyStore Open(string directory, string? keyEncryptionKeyDirectory = null) =>
        new(ShreddingKeyStore.Open(directory, keyEncryptionKeyDirectory));

    /// <summary>Stores <paramref name="key"/> bound to <paramref name="subjectId"/>.</summary>
    /// <exception cref="InvalidOperationException">The key id is stored or was destroyed.</exception>
    public void Add(string subjectId, TemplateTransformationKey key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectId);
        ArgumentNullException.ThrowIfNull(key);
        var secret = key.ExportSecret();
        try
        {
            _keys.Add(key.Id, subjectId, secret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>An active transformation key.</summary>
    /// <exception cref="KeyRevokedException">The key was destroyed or never stored here.</exception>
    /// <exception cref="InvalidDataException">
    /// The key is under a KEK that no longer exists (the key database was restored from a backup older than a
    /// destruction: every key in it is lost) or its wrapped material was tampered with.
    /// </exception>
    public TemplateTransformationKey Open(string keyId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        var secret = _keys.Find(keyId) ?? throw new KeyRevokedException(keyId);
        try
        {
            return TemplateTransformationKey.FromBytes(keyId, secret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>Whether the key is stored and not destroyed.</summary>
    public bool IsActive(string keyId) => StateOf(keyId) == StoredKeyState.Active;

    /// <summary>Whether the key is stored, destroyed or unknown.</summary>
    public StoredKeyState StateOf(string keyId) => _keys.StateOf(keyId);

    /// <summary>The ids of the subject's stored (not destroyed) keys.</summary>
    public IReadOnlyList<string> KeysOf(string subjectId) => _keys.IdsOwnedBy(subjectId);

    /// <summary>The subjects with at least one stored key.</summary>
    public IReadOnlyList<string> Subjects() => _keys.Owners();

    /// <summary>
    /// Destroys the listed keys in one new epoch (ids not stored are ignored); returns how many were destroyed. The
    /// cost grows with the number of surviving keys, so callers destroy in batches.
    /// </summary>
    public int Destroy(IReadOnlyCollection<string> keyIds) => _keys.Destroy(keyIds);

    /// <inheritdoc/>
    public void Dispose() => _keys.Dispose();
}
