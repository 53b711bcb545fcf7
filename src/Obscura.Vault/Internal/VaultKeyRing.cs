using System.Security.Cryptography;
using Obscura.Governance.Subjects;
using Obscura.Security.Keys;

namespace Obscura.Vault.Internal;

/// <summary>
/// The vault's keys, kept in a <see cref="ShreddingKeyStore"/> (<c>keystore/keys.db</c>, KEK folder <c>keystore/kek</c>
/// unless configured elsewhere): one AES-256 data key per subject (key id <c>subject:SUBJECT:RANDOM</c>, owner the
/// subject) and one HMAC key per pseudonymised export (<c>export:RUN:RANDOM</c>, owner <c>export:RUN</c>). Which key a
/// subject's blobs use now is recorded in the catalogue (<c>data_keys</c>), so that retiring a key and storing an object
/// under it serialise on the catalogue's write lock; the key store then destroys retired keys in batches, one new KEK
/// epoch per batch, so a restored backup of <c>keys.db</c> holds them only under a KEK that no longer exists.
/// </summary>
internal sealed class VaultKeyRing(ShreddingKeyStore store, VaultCatalog catalog, TimeProvider clock) : IDisposable
{
    private const int KeySize = 32;

    public ShreddingKeyStore Store => store;

    /// <summary>The subject's current data key (creating it when the subject has none): its id and its secret, which the caller zeroes.</summary>
    /// <exception cref="InvalidDataException">The key store cannot be read (its current KEK is missing).</exception>
    public (string KeyId, byte[] Secret) SubjectKey(SubjectId subject)
    {
        for (var attempt = 0; ; attempt++)
        {
            var keyId = catalog.DataKeyOf(subject)
                ?? catalog.EnsureDataKey(subject, $"subject:{subject.Value}:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}", clock.GetUtcNow());
            if (store.Find(keyId) is { } secret)
            {
                return (keyId, secret);
            }

            if (store.StateOf(keyId) == StoredKeyState.Unknown)
            {
                // Named in the catalogue, not yet in the key store (its creator stopped in between, or is adding it now).
                var fresh = RandomNumberGenerator.GetBytes(KeySize);
                try
                {
                    store.Add(keyId, subject.Value, fresh);
                    return (keyId, fresh);
                }
                catch (InvalidOperationException) when (attempt < 3)
                {
                    CryptographicOperations.ZeroMemory(fresh);
                    continue; // another process added it first: read theirs
                }
            }

            if (attempt >= 3)
            {
                throw new InvalidDataException($"The data key of a subject cannot be created or read from {store.DatabasePath}.");
            }

            // Destroyed but still named as current: retire the name so that the next ingest gets a new key.
            catalog.RetireKey(keyId, clock.GetUtcNow());
        }
    }

    /// <summary>The secret of a key, or <see langword="null"/> when it was destroyed, never stored, or is held under a destroyed KEK epoch (a restored backup).</summary>
    public byte[]? Find(string keyId)
    {
        try
        {
            return store.Find(keyId);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>A fresh pseudonymisation key for an export, stored under <paramref name="keyId"/>; the caller zeroes the secret.</summary>
    public byte[] CreateExportKey(string keyId, string run)
    {
        var secret = RandomNumberGenerator.GetBytes(KeySize);
        store.Add(keyId, "export:" + run, secret);
        return secret;
    }

    /// <summary>
    /// Destroys every key retired in the catalogue and not yet destroyed, in one key-store epoch, and records that they
    /// are gone. Returns how many the key store destroyed.
    /// </summary>
    public int DestroyRetired()
    {
        var retired = catalog.RetiredNotDestroyed();
        if (retired.Count == 0)
        {
            return 0;
        }

        var destroyed = store.Destroy(retired);
        catalog.MarkDestroyed(retired);
        return destroyed;
    }

    /// <summary>For the shredding benchmark: a data key for each subject, in one catalogue and one key-store transaction.</summary>
    public void CreateSubjectKeys(IReadOnlyList<SubjectId> subjects)
    {
        var keys = subjects.Select(s => (Subject: s, KeyId: $"subject:{s.Value}:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}")).ToArray();
        catalog.InsertDataKeys(keys, clock.GetUtcNow());
        store.AddRange([.. keys.Select(k => (k.KeyId, k.Subject.Value, RandomNumberGenerator.GetBytes(KeySize)))]);
    }

    public void Dispose() => store.Dispose();
}
