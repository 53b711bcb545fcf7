using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Obscura.Security.Data;
using Obscura.Security.Files;
using static Obscura.Security.Data.SqliteCommands;

namespace Obscura.Security.Keys;

/// <summary>
/// A store of small secret keys (data keys, transformation keys) whose destruction holds against restored backups.
/// Keys are kept in <c>keys.db</c> (SQLite, WAL, synchronous=FULL, secure_delete), each wrapped with AES-256-GCM under
/// the key-encryption key (KEK) of the store's current <em>epoch</em>; the KEK is a file <c>kek-N.key</c> in its own
/// folder. Destroying keys starts a new epoch in one transaction: a fresh KEK, the destroyed rows deleted (a tombstone
/// keeps the id from being reused), every surviving key re-wrapped under the new KEK. After the commit the old KEK file
/// is overwritten and deleted. A copy of <c>keys.db</c> taken before the destruction, or a whole data-folder backup
/// without the KEK folder, then holds the destroyed key only under a KEK that no longer exists anywhere: restoring it
/// yields nothing readable. What this does not cover: a backup that includes the KEK folder of the old epoch, so the
/// KEK folder must be kept out of data backups (it can live elsewhere: <see cref="Open"/>'s second argument), and its
/// own backups must expire.
/// Every operation is a SQLite transaction (<c>BEGIN IMMEDIATE</c> for writes), so processes that share the folder
/// serialise on SQLite's lock; a process that cached a KEK checks that its file still exists before each use, so a
/// retired epoch is refused by live processes too.
/// </summary>
public sealed class ShreddingKeyStore : IDisposable
{
    private const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly string _connectionString;
    private readonly string _kekDirectory;
    private readonly Lock _gate = new();
    private readonly Dictionary<long, byte[]> _keks = [];
    private bool _disposed;

    private ShreddingKeyStore(string databasePath, string kekDirectory)
    {
        DatabasePath = databasePath;
        _kekDirectory = kekDirectory;
        _connectionString = SqliteStateFile.ConnectionString(databasePath);
    }

    /// <summary>The key database.</summary>
    public string DatabasePath { get; }

    /// <summary>
    /// Opens (creating if needed) the store in <paramref name="directory"/>. The KEK files live in
    /// <paramref name="keyEncryptionKeyDirectory"/>, by default the <c>kek</c> folder inside <paramref name="directory"/>;
    /// put them elsewhere to keep them out of data backups.
    /// </summary>
    public static ShreddingKeyStore Open(string directory, string? keyEncryptionKeyDirectory = null)
    {
        var folder = OwnerOnlyFiles.CreateDirectory(directory);
        var kekFolder = OwnerOnlyFiles.CreateDirectory(keyEncryptionKeyDirectory ?? Path.Combine(folder, "kek"));
        var databasePath = Path.Combine(folder, "keys.db");
        if (!File.Exists(databasePath))
        {
            // SQLite gives the -wal and -shm files the database's mode: create it owner-only before SQLite opens it.
            OwnerOnlyFiles.Create(databasePath).Dispose();
        }

        // A key database or KEK restored by a copy that did not keep modes is narrowed before anything is written to it.
        OwnerOnlyFiles.RestrictDatabase(databasePath);
        foreach (var kek in Directory.EnumerateFiles(kekFolder, "kek-*.key"))
        {
            OwnerOnlyFiles.Restrict(kek);
        }

        var store = new ShreddingKeyStore(databasePath, kekFolder);
        using var connection = store.Connect();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS keyring(singleton INTEGER PRIMARY KEY CHECK (singleton = 1), epoch INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS keys(id TEXT PRIMARY KEY, owner TEXT NOT NULL, epoch INTEGER NOT NULL, nonce BLOB NOT NULL,
                wrapped BLOB NOT NULL, tag BLOB NOT NULL, created_at INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS keys_owner ON keys(owner);
            CREATE TABLE IF NOT EXISTS destroyed(id TEXT PRIMARY KEY, owner TEXT NOT NULL, destroyed_at INTEGER NOT NULL);
            """);
        store.InWrite(c =>
        {
            if (Scalar<long?>(c, "SELECT epoch FROM keyring") is null)
            {
                // Never reuse an epoch number whose KEK file is still around (a key database lost and started again).
                var epoch = store.KekEpochsOnDisk().DefaultIfEmpty(0).Max() + 1;
                store.WriteKek(epoch, RandomNumberGenerator.GetBytes(KeySize));
                Execute(c, "INSERT INTO keyring(singleton, epoch) VALUES (1, $e)", ("$e", epoch));
            }
        });
        store.DeleteRetiredKeks(store.Epoch);
        return store;
    }

    /// <summary>The current epoch: the number of the KEK every stored key is wrapped under.</summary>
    public long Epoch => InRead(c => Scalar<long>(c, "SELECT epoch FROM keyring"));

    /// <summary>How many keys are stored (not destroyed).</summary>
    public long Count => InRead(c => Scalar<long>(c, "SELECT COUNT(*) FROM keys"));

    /// <summary>Stores <paramref name="secret"/> under <paramref name="id"/>, bound to <paramref name="owner"/>.</summary>
    /// <exception cref="ArgumentException">The id or owner is not a short token, or the secret is empty or over 4 KiB.</exception>
    /// <exception cref="InvalidOperationException">The id is stored or was destroyed; ids are never reused.</exception>
    public void Add(string id, string owner, ReadOnlySpan<byte> secret) => AddRange([(id, owner, secret.ToArray())]);

    /// <summary>Stores several keys in one transaction (all or none).</summary>
    /// <exception cref="ArgumentException">An id or owner is not a short token, or a secret is empty or over 4 KiB.</exception>
    /// <exception cref="InvalidOperationException">An id is stored or was destroyed.</exception>
    public void AddRange(IReadOnlyList<(string Id, string Owner, byte[] Secret)> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var (id, owner, secret) in keys)
        {
            CheckToken(id, nameof(keys));
            CheckToken(owner, nameof(keys));
            if (secret is not { Length: > 0 and <= 4096 })
            {
                throw new ArgumentException("A stored secret is 1 to 4,096 bytes.", nameof(keys));
            }
        }

        InWrite(c =>
        {
            var epoch = Scalar<long>(c, "SELECT epoch FROM keyring");
            using var gcm = new AesGcm(CurrentKek(epoch), TagSize);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var (id, owner, secret) in keys)
            {
                if (Scalar<long>(c, "SELECT (SELECT COUNT(*) FROM keys WHERE id = $id) + (SELECT COUNT(*) FROM destroyed WHERE id = $id)", ("$id", id)) > 0)
                {
                    throw new InvalidOperationException($"Key id {id} is already stored or was destroyed; key ids are never reused.");
                }

                var (nonce, wrapped, tag) = Wrap(gcm, id, owner, epoch, secret);
                Execute(c, "INSERT INTO keys(id, owner, epoch, nonce, wrapped, tag, created_at) VALUES ($id, $o, $e, $n, $w, $t, $at)",
                    ("$id", id), ("$o", owner), ("$e", epoch), ("$n", nonce), ("$w", wrapped), ("$t", tag), ("$at", now));
            }
        });
    }

    /// <summary>The key's secret, or <see langword="null"/> when it was never stored or was destroyed. The caller zeroes it after use.</summary>
    /// <exception cref="InvalidDataException">
    /// The key is under a KEK that no longer exists (the database was restored from a backup older than a destruction)
    /// or its wrapped material fails authentication (tampered with).
    /// </exception>
    public byte[]? Find(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        for (var attempt = 0; ; attempt++)
        {
            var row = InRead(c =>
            {
                using var command = Command(c, "SELECT owner, epoch, nonce, wrapped, tag FROM keys WHERE id = $id", ("$id", id));
                using var reader = command.ExecuteReader();
                return reader.Read() ? (Owner: reader.GetString(0), Epoch: reader.GetInt64(1), Nonce: (byte[])reader[2], Wrapped: (byte[])reader[3], Tag: (byte[])reader[4]) : default((string Owner, long Epoch, byte[] Nonce, byte[] Wrapped, byte[] Tag)?);
            });
            if (row is not { } r)
            {
                return null;
            }

            if (TryLoadKek(r.Epoch) is not { } kek)
            {
                // A destruction in another process may have re-wrapped the key since it was read: read it once more.
                if (attempt == 0 && Epoch > r.Epoch)
                {
                    continue;
                }

                throw new InvalidDataException($"Key {id} is wrapped under the key-encryption key of epoch {r.Epoch.ToString(CultureInfo.InvariantCulture)}, which was destroyed or is missing: the key database was restored from a backup older than a destruction, or its KEK folder was lost.");
            }

            return Unwrap(kek, id, r.Owner, r.Epoch, r.Nonce, r.Wrapped, r.Tag);
        }
    }

    /// <summary>Whether the id is stored, destroyed, or unknown.</summary>
    public StoredKeyState StateOf(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return InRead(c =>
            Scalar<long>(c, "SELECT COUNT(*) FROM keys WHERE id = $id", ("$id", id)) > 0 ? StoredKeyState.Active
            : Scalar<long>(c, "SELECT COUNT(*) FROM destroyed WHERE id = $id", ("$id", id)) > 0 ? StoredKeyState.Destroyed
            : StoredKeyState.Unknown);
    }

    /// <summary>The ids of the stored keys bound to <paramref name="owner"/>.</summary>
    public IReadOnlyList<string> IdsOwnedBy(string owner)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        return InRead(c => Strings(c, "SELECT id FROM keys WHERE owner = $o ORDER BY id", ("$o", owner)));
    }

    /// <summary>The owners that have at least one stored key.</summary>
    public IReadOnlyList<string> Owners() => InRead(c => Strings(c, "SELECT DISTINCT owner FROM keys ORDER BY owner"));

    /// <summary>
    /// Destroys the listed keys (ids not stored are ignored) and, when any was stored, starts a new epoch: every
    /// surviving key is re-wrapped under a fresh KEK in the same transaction, and the old KEK is erased after the
    /// commit. Returns how many keys were destroyed. The cost grows with the number of surviving keys, so destroy in
    /// batches where possible.
    /// </summary>
    /// <exception cref="InvalidDataException">A surviving key cannot be unwrapped for re-wrapping; nothing was changed.</exception>
    public int Destroy(IReadOnlyCollection<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return 0;
        }

        long retired = 0;
        var destroyed = InWrite(c =>
        {
            var doomed = new List<(string Id, string Owner)>();
            foreach (var id in ids.Distinct(StringComparer.Ordinal))
            {
                if (Scalar<string?>(c, "SELECT owner FROM keys WHERE id = $id", ("$id", id)) is { } owner)
                {
                    doomed.Add((id, owner));
                }
            }

            if (doomed.Count == 0)
            {
                return 0;
            }

            var epoch = Scalar<long>(c, "SELECT epoch FROM keyring");
            var next = epoch + 1;
            var oldKek = CurrentKek(epoch);
            var newKek = RandomNumberGenerator.GetBytes(KeySize);
            WriteKek(next, newKek);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var (id, owner) in doomed)
            {
                Execute(c, "DELETE FROM keys WHERE id = $id", ("$id", id));
                Execute(c, "INSERT INTO destroyed(id, owner, destroyed_at) VALUES ($id, $o, $at)", ("$id", id), ("$o", owner), ("$at", now));
            }

            RewrapAll(c, epoch, oldKek, next, newKek);
            Execute(c, "UPDATE keyring SET epoch = $e", ("$e", next));
            retired = epoch;
            return doomed.Count;
        });

        if (destroyed > 0)
        {
            DeleteRetiredKeks(retired + 1);
        }

        return destroyed;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var kek in _keks.Values)
            {
                CryptographicOperations.ZeroMemory(kek);
            }

            _keks.Clear();
        }

        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private static void RewrapAll(SqliteConnection c, long epoch, byte[] oldKek, long next, byte[] newKek)
    {
        var rows = new List<(string Id, string Owner, long Epoch, byte[] Nonce, byte[] Wrapped, byte[] Tag)>();
        using (var command = Command(c, "SELECT id, owner, epoch, nonce, wrapped, tag FROM keys"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), (byte[])reader[3], (byte[])reader[4], (byte[])reader[5]));
            }
        }

        using var gcm = new AesGcm(newKek, TagSize);
        using var update = Command(c, "UPDATE keys SET epoch = $e, nonce = $n, wrapped = $w, tag = $t WHERE id = $id", ("$e", next), ("$n", null), ("$w", null), ("$t", null), ("$id", null));
        foreach (var row in rows)
        {
            if (row.Epoch != epoch)
            {
                throw new InvalidDataException($"Key {row.Id} is under epoch {row.Epoch.ToString(CultureInfo.InvariantCulture)}, not the store's {epoch.ToString(CultureInfo.InvariantCulture)}: the key database is inconsistent.");
            }

            var secret = Unwrap(oldKek, row.Id, row.Owner, epoch, row.Nonce, row.Wrapped, row.Tag);
            try
            {
                var (nonce, wrapped, tag) = Wrap(gcm, row.Id, row.Owner, next, secret);
                update.Parameters["$n"].Value = nonce;
                update.Parameters["$w"].Value = wrapped;
                update.Parameters["$t"].Value = tag;
                update.Parameters["$id"].Value = row.Id;
                update.ExecuteNonQuery();
            }
            finally
            {
                CryptographicOperations.ZeroMemory(secret);
            }
        }
    }

    private static (byte[] Nonce, byte[] Wrapped, byte[] Tag) Wrap(AesGcm gcm, string id, string owner, long epoch, ReadOnlySpan<byte> secret)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var wrapped = new byte[secret.Length];
        var tag = new byte[TagSize];
        gcm.Encrypt(nonce, secret, wrapped, tag, AssociatedData(id, owner, epoch));
        return (nonce, wrapped, tag);
    }

    private static byte[] Unwrap(byte[] kek, string id, string owner, long epoch, byte[] nonce, byte[] wrapped, byte[] tag)
    {
        var secret = new byte[wrapped.Length];
        using var gcm = new AesGcm(kek, TagSize);
        try
        {
            gcm.Decrypt(nonce, wrapped, tag, secret, AssociatedData(id, owner, epoch));
            return secret;
        }
        catch (Exception e) when (e is AuthenticationTagMismatchException or ArgumentException)
        {
            throw new InvalidDataException($"The wrapped material of key {id} fails authentication: the key store was tampered with.", e);
        }
    }

    private static byte[] AssociatedData(string id, string owner, long epoch) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"obscura/keystore/v1\n{id}\n{owner}\n{epoch}"));

    private static void CheckToken(string value, string parameter)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 128 || value.Any(ch => ch is '\n' or '\r' or '\0'))
        {
            throw new ArgumentException("Key ids and owners are 1-128 characters without line breaks.", parameter);
        }
    }

    /// <summary>The KEK of <paramref name="epoch"/>, which must exist (it is the epoch a write transaction reads).</summary>
    private byte[] CurrentKek(long epoch) =>
        TryLoadKek(epoch) ?? throw new InvalidDataException($"The key-encryption key of the current epoch {epoch.ToString(CultureInfo.InvariantCulture)} is missing from {_kekDirectory}: restore the KEK folder; without it no stored key can be read.");

    private byte[]? TryLoadKek(long epoch)
    {
        var path = KekPath(epoch);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // A cached KEK is used only while its file exists: once its epoch is retired, no process may unwrap under it.
            if (!File.Exists(path))
            {
                if (_keks.Remove(epoch, out var stale))
                {
                    CryptographicOperations.ZeroMemory(stale);
                }

                return null;
            }

            if (_keks.TryGetValue(epoch, out var cached))
            {
                return cached;
            }

            byte[] kek;
            try
            {
                kek = File.ReadAllBytes(path);
            }
            catch (FileNotFoundException)
            {
                return null;
            }

            if (kek.Length != KeySize)
            {
                throw new InvalidDataException($"The key-encryption key file of epoch {epoch.ToString(CultureInfo.InvariantCulture)} is damaged (not {KeySize} bytes).");
            }

            foreach (var older in _keks.Keys.Where(e => e < epoch).ToList())
            {
                CryptographicOperations.ZeroMemory(_keks[older]);
                _keks.Remove(older);
            }

            _keks[epoch] = kek;
            return kek;
        }
    }

    private void WriteKek(long epoch, byte[] kek)
    {
        OwnerOnlyFiles.WriteAtomically(KekPath(epoch), kek);
        lock (_gate)
        {
            _keks[epoch] = kek;
        }
    }

    /// <summary>Erases every KEK file of an epoch before <paramref name="current"/>.</summary>
    private void DeleteRetiredKeks(long current)
    {
        foreach (var epoch in KekEpochsOnDisk().Where(e => e < current))
        {
            OwnerOnlyFiles.Delete(KekPath(epoch));
            lock (_gate)
            {
                if (_keks.Remove(epoch, out var retired))
                {
                    CryptographicOperations.ZeroMemory(retired);
                }
            }
        }
    }

    private List<long> KekEpochsOnDisk() =>
        Directory.EnumerateFiles(_kekDirectory, "kek-*.key")
            .Select(path => Path.GetFileNameWithoutExtension(path)["kek-".Length..])
            .Select(text => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch) ? epoch : -1)
            .Where(epoch => epoch > 0)
            .ToList();

    private string KekPath(long epoch) => Path.Combine(_kekDirectory, string.Create(CultureInfo.InvariantCulture, $"kek-{epoch}.key"));

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;");
        return connection;
    }

    private T InRead<T>(Func<SqliteConnection, T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var connection = Connect();
        using var transaction = connection.BeginTransaction(deferred: true);
        var result = work(connection);
        transaction.Commit();
        return result;
    }

    private T InWrite<T>(Func<SqliteConnection, T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var connection = Connect();
        using var transaction = connection.BeginTransaction(deferred: false);
        var result = work(connection);
        transaction.Commit();
        return result;
    }

    private void InWrite(Action<SqliteConnection> work) => InWrite(c =>
    {
        work(c);
        return 0;
    });

    private static List<string> Strings(SqliteConnection connection, string sql, params (string, object?)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        using var reader = command.ExecuteReader();
        var list = new List<string>();
        while (reader.Read())
        {
            list.Add(reader.GetString(0));
        }

        return list;
    }
}
