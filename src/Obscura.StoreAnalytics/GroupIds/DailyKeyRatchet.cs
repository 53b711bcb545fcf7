using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Obscura.Security.Files;
using Obscura.Security.Locks;
using Obscura.StoreAnalytics.Edge;

namespace Obscura.StoreAnalytics.GroupIds;

/// <summary>
/// The edge's forward-secret source of daily group-ID keys. It keeps one 32-byte <em>chain key</em> for the current
/// day only; the next day's chain key is HKDF-Expand-SHA256 (RFC 5869) of today's with info
/// "obscura-store-chain/v1/next", and the day's group-ID key is HKDF-Expand of the chain key with info
/// "obscura-store-groupid/v3/{store}/yyyy-MM-dd" (bound to the store, so two stores provisioned alike never share
/// hyperplanes). Moving to a later day derives forward one step per day, zeroes every earlier chain key in memory and
/// erases it from disk: whoever seizes the edge, its folder or a backup of it taken on day d can compute the keys of
/// days ≥ d only, never an earlier day's (<see cref="KeyErasedException"/>).
/// </summary>
/// <remarks>
/// <para>On disk (<see cref="FileName"/> in the edge's folder, owner-only): magic, day, store, chain key and a SHA-256
/// checksum. A move to a later day writes <c>.next</c> (flushed to disk), renames the current file to <c>.old</c>,
/// renames <c>.next</c> into place and overwrites and deletes <c>.old</c>. At every instant the newest key is in a
/// whole file; <see cref="Open"/> (and every later move, under a lock shared by all processes) keeps the newest valid
/// file and overwrites and deletes the others, so a crash can neither lose the current key nor keep an older one
/// beyond the next start. Overwriting does not reach old blocks on copy-on-write file systems or SSDs: the erasure
/// holds against whoever reads the folder, not against forensic recovery of the medium.</para>
/// <para>Not thread-safe; several processes may share the folder (they serialise on <c>groupid-chain.lock</c>).</para>
/// </remarks>
public sealed class DailyKeyRatchet : IDisposable
{
    /// <summary>The chain-key file's name inside the edge folder.</summary>
    public const string FileName = "groupid-chain.key";

    private const string NextSuffix = ".next";
    private const string OldSuffix = ".old";
    private const int KeyLength = 32;
    private static readonly byte[] Magic = "OBSCHAIN"u8.ToArray();
    private static readonly byte[] NextInfo = "obscura-store-chain/v1/next"u8.ToArray();

    private readonly string? _folder;
    private byte[] _chainKey;
    private bool _disposed;

    private DailyKeyRatchet(string? folder, string store, DateOnly day, byte[] chainKey)
    {
        _folder = folder;
        Store = store;
        Day = day;
        _chainKey = chainKey;
    }

    /// <summary>Test hook: called at each step of a move on disk ("next-written", "current-moved-to-old", "next-in-place"); a throw there plays a crash.</summary>
    internal Action<string>? Step { get; set; }

    /// <summary>The store the keys are bound to.</summary>
    public string Store { get; }

    /// <summary>The current day: the earliest day whose key can still be given.</summary>
    public DateOnly Day { get; private set; }

    /// <summary>
    /// Provisions a ratchet in <paramref name="folder"/> (created owner-only) for <paramref name="store"/>, starting at
    /// <paramref name="firstDay"/>: the chain key is fresh from the CSPRNG, or derived from <paramref name="seed"/>
    /// (HKDF-SHA256 with info "obscura-store-chain/v1/{store}/yyyy-MM-dd") where a chain provisions from one secret.
    /// Destroy the seed afterwards: whoever keeps it can recompute every day's key.
    /// </summary>
    /// <exception cref="ArgumentException">The store id is not 1–64 of a-z, 0-9, '-' and '_'.</exception>
    /// <exception cref="IOException">A ratchet already exists in the folder.</exception>
    public static DailyKeyRatchet Create(string folder, string store, DateOnly firstDay, StoreSecret? seed = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        CheckStore(store);
        var full = OwnerOnlyFiles.CreateDirectory(folder);
        using var held = ProcessLock.Acquire(LockPath(full), CancellationToken.None);
        if (new[] { "", NextSuffix, OldSuffix }.Any(s => File.Exists(Path.Combine(full, FileName + s))))
        {
            throw new IOException($"A group-ID key ratchet already exists in {full}; open it instead.");
        }

        var ratchet = new DailyKeyRatchet(full, store, firstDay, InitialKey(store, firstDay, seed));
        ratchet.Persist();
        return ratchet;
    }

    /// <summary>
    /// Opens the ratchet in <paramref name="folder"/>, first finishing or undoing a move a crash interrupted (the newest
    /// whole file wins; the others are overwritten and deleted).
    /// </summary>
    /// <exception cref="FileNotFoundException">No ratchet was provisioned there.</exception>
    /// <exception cref="InvalidDataException">The file belongs to another store, or no whole key file is left.</exception>
    public static DailyKeyRatchet Open(string folder, string store)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        CheckStore(store);
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            throw new FileNotFoundException($"No group-ID key ratchet in {full}.");
        }

        using var held = ProcessLock.Acquire(LockPath(full), CancellationToken.None);
        var (day, key) = Recover(full, store);
        return new DailyKeyRatchet(full, store, day, key);
    }

    /// <summary>
    /// A ratchet held in memory only (the simulator, tests): the same derivation, no file. Earlier chain keys are still
    /// zeroed as it moves on.
    /// </summary>
    public static DailyKeyRatchet InMemory(string store, DateOnly firstDay, StoreSecret? seed = null)
    {
        CheckStore(store);
        return new DailyKeyRatchet(null, store, firstDay, InitialKey(store, firstDay, seed));
    }

    /// <summary>
    /// The group-ID key of <paramref name="date"/> (32 bytes; the caller zeroes it). A later day first moves the
    /// ratchet there, one derivation per day, erasing the earlier chain keys in memory and on disk.
    /// </summary>
    /// <exception cref="KeyErasedException">The day is before <see cref="Day"/> (or before the day another process sharing the folder moved to).</exception>
    public byte[] DailyKey(DateOnly date)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (date < Day)
        {
            throw new KeyErasedException(date, Day);
        }

        // On disk, the file is the truth even for today: another process sharing the folder may have moved past it.
        if (date > Day || _folder is not null)
        {
            MoveTo(date);
        }

        var info = Encoding.UTF8.GetBytes($"obscura-store-groupid/v3/{Store}/{date:yyyy-MM-dd}");
        return HKDF.Expand(HashAlgorithmName.SHA256, _chainKey, KeyLength, info);
    }

    /// <summary>
    /// Moves the ratchet on to <paramref name="date"/> without giving a key: the edge host calls it at local midnight
    /// (and at start-up) so that yesterday's chain key is erased from memory and disk before any backup window, not only
    /// at the day's first frame. A date on or before <see cref="Day"/> (or before the day another process sharing the
    /// folder moved to) changes nothing: there is nothing earlier left to erase. Returns the day the ratchet is at.
    /// </summary>
    public DateOnly AdvanceTo(DateOnly date)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (date > Day || _folder is not null)
        {
            MoveTo(date > Day ? date : Day, refuseEarlier: false);
        }

        return Day;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(_chainKey);
    }

    /// <inheritdoc/>
    public override string ToString() => $"DailyKeyRatchet({Store}, {Day:yyyy-MM-dd})";

    private void MoveTo(DateOnly date, bool refuseEarlier = true)
    {
        if (_folder is null)
        {
            Advance(date);
            return;
        }

        using var held = ProcessLock.Acquire(LockPath(_folder), CancellationToken.None);

        // Another process sharing the folder may have moved on already: the file, not this copy, is the truth.
        var (fileDay, fileKey) = Recover(_folder, Store);
        if (fileDay > Day)
        {
            CryptographicOperations.ZeroMemory(_chainKey);
            (_chainKey, Day) = (fileKey, fileDay);
        }
        else
        {
            CryptographicOperations.ZeroMemory(fileKey);
        }

        if (date < Day && refuseEarlier)
        {
            throw new KeyErasedException(date, Day);
        }

        if (date > Day)
        {
            Advance(date);
            Persist();
        }
        else if (fileDay < Day)
        {
            // An earlier move failed to write its file (disk error): memory moved on, the disk still holds an older
            // chain key. Write it now, so the disk catches up and the older key is erased.
            Persist();
        }
    }

    private void Advance(DateOnly date)
    {
        while (Day < date)
        {
            var next = HKDF.Expand(HashAlgorithmName.SHA256, _chainKey, KeyLength, NextInfo);
            CryptographicOperations.ZeroMemory(_chainKey);
            _chainKey = next;
            Day = Day.AddDays(1);
        }
    }

    private void Persist()
    {
        var path = Path.Combine(_folder!, FileName);
        var record = Serialise(Store, Day, _chainKey);
        try
        {
            OwnerOnlyFiles.Delete(path + NextSuffix);
            using (var stream = OwnerOnlyFiles.Create(path + NextSuffix))
            {
                stream.Write(record);
                stream.Flush(flushToDisk: true);
            }

            Step?.Invoke("next-written");
            if (File.Exists(path))
            {
                File.Move(path, path + OldSuffix, overwrite: true);
            }

            Step?.Invoke("current-moved-to-old");
            File.Move(path + NextSuffix, path);
            Step?.Invoke("next-in-place");
            OwnerOnlyFiles.Delete(path + OldSuffix);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(record);
        }
    }

    /// <summary>Keeps the newest whole key file of the store as <see cref="FileName"/>, overwrites and deletes the others, and returns its day and key.</summary>
    private static (DateOnly Day, byte[] Key) Recover(string folder, string store)
    {
        var path = Path.Combine(folder, FileName);
        var candidates = new List<(string Path, DateOnly Day, byte[] Key)>();
        var present = new List<string>();
        foreach (var file in new[] { path, path + NextSuffix, path + OldSuffix })
        {
            if (!File.Exists(file))
            {
                continue;
            }

            present.Add(file);
            var bytes = File.ReadAllBytes(file);
            try
            {
                if (TryParse(bytes, out var fileStore, out var day, out var key))
                {
                    if (fileStore != store)
                    {
                        CryptographicOperations.ZeroMemory(key);
                        candidates.ForEach(c => CryptographicOperations.ZeroMemory(c.Key));
                        throw new InvalidDataException($"The group-ID key ratchet in {folder} belongs to another store.");
                    }

                    candidates.Add((file, day, key));
                }
            }
            finally
            {
                CryptographicOperations.ZeroMemory(bytes);
            }
        }

        if (present.Count == 0)
        {
            throw new FileNotFoundException($"No group-ID key ratchet in {folder}.");
        }

        if (candidates.Count == 0)
        {
            throw new InvalidDataException($"No whole group-ID chain key is left in {folder}; provision the edge again (earlier days' keys stay erased).");
        }

        // The newest whole file is the current key; a torn or older one is overwritten and deleted.
        var newest = candidates.MaxBy(c => c.Day);
        foreach (var file in present.Where(f => f != newest.Path))
        {
            OwnerOnlyFiles.Delete(file);
        }

        if (newest.Path != path)
        {
            File.Move(newest.Path, path);
        }

        foreach (var c in candidates.Where(c => c.Path != newest.Path))
        {
            CryptographicOperations.ZeroMemory(c.Key);
        }

        return (newest.Day, newest.Key);
    }

    private static byte[] InitialKey(string store, DateOnly firstDay, StoreSecret? seed)
    {
        if (seed is null)
        {
            return RandomNumberGenerator.GetBytes(KeyLength);
        }

        var secret = seed.Export();
        try
        {
            var info = Encoding.UTF8.GetBytes($"obscura-store-chain/v1/{store}/{firstDay:yyyy-MM-dd}");
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, KeyLength, salt: [], info: info);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static byte[] Serialise(string store, DateOnly day, ReadOnlySpan<byte> key)
    {
        var storeBytes = Encoding.UTF8.GetBytes(store);
        var record = new byte[Magic.Length + 4 + 1 + storeBytes.Length + KeyLength + 32];
        var span = record.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[Magic.Length..], day.DayNumber);
        span[Magic.Length + 4] = (byte)storeBytes.Length;
        storeBytes.CopyTo(span[(Magic.Length + 5)..]);
        key.CopyTo(span[(Magic.Length + 5 + storeBytes.Length)..]);
        var body = span[..^32];
        SHA256.HashData(body, span[^32..]);
        return record;
    }

    private static bool TryParse(ReadOnlySpan<byte> record, out string store, out DateOnly day, out byte[] key)
    {
        (store, day, key) = ("", default, []);
        if (record.Length < Magic.Length + 5 + KeyLength + 32 || !record[..Magic.Length].SequenceEqual(Magic))
        {
            return false;
        }

        int storeLength = record[Magic.Length + 4];
        if (record.Length != Magic.Length + 5 + storeLength + KeyLength + 32)
        {
            return false;
        }

        Span<byte> checksum = stackalloc byte[32];
        SHA256.HashData(record[..^32], checksum);
        if (!CryptographicOperations.FixedTimeEquals(checksum, record[^32..]))
        {
            return false;
        }

        var dayNumber = BinaryPrimitives.ReadInt32LittleEndian(record[Magic.Length..]);
        if (dayNumber < DateOnly.MinValue.DayNumber || dayNumber > DateOnly.MaxValue.DayNumber)
        {
            return false;
        }

        store = Encoding.UTF8.GetString(record.Slice(Magic.Length + 5, storeLength));
        day = DateOnly.FromDayNumber(dayNumber);
        key = record.Slice(Magic.Length + 5 + storeLength, KeyLength).ToArray();
        return true;
    }

    private static string LockPath(string folder) => Path.Combine(folder, "groupid-chain.lock");

    private static void CheckStore(string store)
    {
        if (store is null || !EdgeConfiguration.NamePattern().IsMatch(store))
        {
            throw new ArgumentException("A store id is 1–64 characters of a-z, 0-9, '-' and '_'.", nameof(store));
        }
    }
}
