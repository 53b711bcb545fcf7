using System.Security.Cryptography;
using System.Text;
using CsCheck;
using Microsoft.Data.Sqlite;
using Obscura.Security.Files;
using Obscura.Security.Keys;
using Obscura.TestSupport;

namespace Obscura.Security.Tests;

public sealed class ShreddingKeyStoreTests
{
    [Fact]
    public void Stored_keys_read_back_and_destroyed_ones_are_gone_for_good()
    {
        using var dir = new TempDirectory();
        using var store = ShreddingKeyStore.Open(Path.Combine(dir.Path, "keystore"));
        var a = RandomNumberGenerator.GetBytes(32);
        var b = RandomNumberGenerator.GetBytes(32);
        store.Add("key-a", "subject-1", a);
        store.Add("key-b", "subject-2", b);

        Assert.Equal(a, store.Find("key-a"));
        Assert.Equal(StoredKeyState.Active, store.StateOf("key-a"));
        Assert.Equal(["key-b"], store.IdsOwnedBy("subject-2"));
        var epoch = store.Epoch;

        Assert.Equal(1, store.Destroy(["key-a", "never-stored"]));

        Assert.Null(store.Find("key-a"));
        Assert.Equal(StoredKeyState.Destroyed, store.StateOf("key-a"));
        Assert.Equal(StoredKeyState.Unknown, store.StateOf("never-stored"));
        Assert.Equal(b, store.Find("key-b"));
        Assert.Equal(epoch + 1, store.Epoch);
        Assert.Throws<InvalidOperationException>(() => store.Add("key-a", "subject-1", a));
        Assert.Throws<InvalidOperationException>(() => store.Add("key-b", "subject-2", a));
        Assert.Equal(0, store.Destroy(["key-a"]));
        Assert.Equal(epoch + 1, store.Epoch);
    }

    [Fact]
    public void Restoring_a_backup_taken_before_a_destruction_does_not_bring_the_key_back()
    {
        using var dir = new TempDirectory();
        var folder = Path.Combine(dir.Path, "keystore");
        var backup = Path.Combine(dir.Path, "backup");
        var secret = RandomNumberGenerator.GetBytes(32);
        using (var store = ShreddingKeyStore.Open(folder))
        {
            store.Add("erased", "subject-1", secret);
            store.Add("kept", "subject-2", RandomNumberGenerator.GetBytes(32));
        }

        // The operator's nightly backup of the data (the KEK folder is kept out of data backups, as documented).
        BackUp(folder, backup);
        using (var store = ShreddingKeyStore.Open(folder))
        {
            Assert.Equal(1, store.Destroy(["erased"]));
        }

        // The attack: put the old key database back and ask the store, then try every KEK on disk by hand.
        Restore(backup, folder);
        using (var restored = ShreddingKeyStore.Open(folder))
        {
            var refused = Assert.Throws<InvalidDataException>(() => restored.Find("erased"));
            Assert.Contains("restored from a backup", refused.Message, StringComparison.Ordinal);
        }

        var (epoch, nonce, wrapped, tag) = RawRow(Path.Combine(backup, "keys.db"), "erased");
        foreach (var kekFile in Directory.GetFiles(Path.Combine(folder, "kek")))
        {
            Assert.False(TryUnwrap(File.ReadAllBytes(kekFile), "erased", "subject-1", epoch, nonce, wrapped, tag, out _));
        }

    }

    [Fact]
    public void A_process_that_cached_the_old_key_encryption_key_refuses_it_after_another_destroyed_a_key()
    {
        using var dir = new TempDirectory();
        var (server, folder, backup) = OpenWithTwoKeys(dir);
        using var serverScope = server;
        Assert.NotNull(server.Find("kept")); // the server now holds the epoch's KEK in memory
        BackUp(folder, backup);

        using (var cli = ShreddingKeyStore.Open(folder))
        {
            Assert.Equal(1, cli.Destroy(["erased"]));
        }

        // The server has not looked since: it still holds the old epoch's KEK in memory when the backup comes back.
        Restore(backup, folder);
        Assert.Throws<InvalidDataException>(() => server.Find("erased"));
    }

    [Fact]
    public void The_old_key_encryption_key_is_erased_even_while_another_process_is_reading_it()
    {
        using var dir = new TempDirectory();
        var (store, folder, backup) = OpenWithTwoKeys(dir);
        using var storeScope = store;
        BackUp(folder, backup);
        var oldKekPath = Path.Combine(folder, "kek", $"kek-{store.Epoch}.key");
        var oldKek = File.ReadAllBytes(oldKekPath);

        // Another process (a CLI command starting up) has the old KEK open for reading, as File.ReadAllBytes does, at the
        // moment of the destruction; on Unix its handle holds a shared advisory lock.
        using (var reader = new FileStream(oldKekPath, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            Assert.Equal(1, store.Destroy(["erased"]));

            // The file is gone, and what the open handle still reaches was overwritten: the reader cannot keep the KEK.
            Assert.False(File.Exists(oldKekPath));
            var still = new byte[oldKek.Length];
            reader.ReadExactly(still);
            Assert.NotEqual(oldKek, still);
        }

        var (epoch, nonce, wrapped, tag) = RawRow(Path.Combine(backup, "keys.db"), "erased");
        foreach (var kekFile in Directory.GetFiles(Path.Combine(folder, "kek")))
        {
            Assert.False(TryUnwrap(File.ReadAllBytes(kekFile), "erased", "subject-1", epoch, nonce, wrapped, tag, out _));
        }
    }

    [Fact]
    public void A_process_rereads_keys_that_another_process_rewrapped()
    {
        using var dir = new TempDirectory();
        var folder = Path.Combine(dir.Path, "keystore");
        using var server = ShreddingKeyStore.Open(folder);
        var kept = RandomNumberGenerator.GetBytes(32);
        server.Add("erased", "subject-1", RandomNumberGenerator.GetBytes(32));
        server.Add("kept", "subject-2", kept);
        Assert.Equal(kept, server.Find("kept"));

        using (var cli = ShreddingKeyStore.Open(folder))
        {
            Assert.Equal(1, cli.Destroy(["erased"]));
        }

        Assert.Equal(kept, server.Find("kept"));
        Assert.Null(server.Find("erased"));
        server.Add("later", "subject-3", kept);
        Assert.Equal(kept, server.Find("later"));
    }

    [Fact]
    public void Tampered_or_moved_wrapped_keys_fail_authentication()
    {
        using var dir = new TempDirectory();
        var folder = Path.Combine(dir.Path, "keystore");
        using var store = ShreddingKeyStore.Open(folder);
        store.Add("k1", "subject-1", RandomNumberGenerator.GetBytes(32));
        store.Add("k2", "subject-2", RandomNumberGenerator.GetBytes(32));
        using (var db = new SqliteConnection($"Data Source={Path.Combine(folder, "keys.db")};Pooling=False"))
        {
            db.Open();
            using var command = db.CreateCommand();
            // Give k2 the wrapped material of k1 (moving a key to another record).
            command.CommandText = "UPDATE keys SET nonce = (SELECT nonce FROM keys WHERE id = 'k1'), wrapped = (SELECT wrapped FROM keys WHERE id = 'k1'), tag = (SELECT tag FROM keys WHERE id = 'k1') WHERE id = 'k2'";
            command.ExecuteNonQuery();
        }

        Assert.Throws<InvalidDataException>(() => store.Find("k2"));
        Assert.NotNull(store.Find("k1"));
    }

    [Fact]
    public void Everything_the_store_writes_is_owner_only()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "Unix modes.");
        using var dir = new TempDirectory();
        var folder = Path.Combine(dir.Path, "keystore");
        using (var store = ShreddingKeyStore.Open(folder))
        {
            store.Add("k1", "subject-1", RandomNumberGenerator.GetBytes(32));
            store.Destroy(["k1"]);
            store.Add("k2", "subject-1", RandomNumberGenerator.GetBytes(32));
            foreach (var path in Directory.GetFileSystemEntries(folder, "*", SearchOption.AllDirectories).Append(folder))
            {
                var expected = Directory.Exists(path) ? OwnerOnlyFiles.DirectoryMode : OwnerOnlyFiles.FileMode;
                Assert.True(FileModes.Of(path) == expected, $"{path} is {FileModes.Of(path)}");
            }
        }

        Assert.Single(Directory.GetFiles(Path.Combine(folder, "kek")));
    }

    [Fact]
    public void A_lost_key_encryption_key_is_reported_not_replaced()
    {
        using var dir = new TempDirectory();
        var folder = Path.Combine(dir.Path, "keystore");
        using (var store = ShreddingKeyStore.Open(folder))
        {
            store.Add("k1", "subject-1", RandomNumberGenerator.GetBytes(32));
        }

        foreach (var kek in Directory.GetFiles(Path.Combine(folder, "kek")))
        {
            File.Delete(kek);
        }

        using var reopened = ShreddingKeyStore.Open(folder);
        Assert.Throws<InvalidDataException>(() => reopened.Find("k1"));
        Assert.Throws<InvalidDataException>(() => reopened.Add("k2", "subject-1", RandomNumberGenerator.GetBytes(32)));
    }

    [Fact]
    public void Two_stores_on_one_folder_add_and_destroy_concurrently_without_losing_a_key()
    {
        using var dir = new TempDirectory();
        var folder = Path.Combine(dir.Path, "keystore");
        using var first = ShreddingKeyStore.Open(folder);
        using var second = ShreddingKeyStore.Open(folder);
        var secrets = Enumerable.Range(0, 40).ToDictionary(i => $"k{i}", _ => RandomNumberGenerator.GetBytes(32));

        Parallel.For(0, 40, i =>
        {
            var store = i % 2 == 0 ? first : second;
            store.Add($"k{i}", "subject", secrets[$"k{i}"]);
            if (i % 4 == 1)
            {
                (i % 8 == 1 ? first : second).Destroy([$"k{i}"]);
            }

            _ = (i % 3 == 0 ? first : second).Find($"k{(i + 7) % 40}");
        });

        foreach (var (id, secret) in secrets)
        {
            var index = int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(index % 4 == 1 ? null : secret, first.Find(id));
            Assert.Equal(index % 4 == 1 ? null : secret, second.Find(id));
        }

        Assert.Single(Directory.GetFiles(Path.Combine(folder, "kek")));
    }

    [Fact]
    public void Every_destroyed_key_is_unreadable_from_every_earlier_copy_of_the_database()
    {
        // Model-based: random adds and destructions; after each step a copy of keys.db is kept. At the end the live
        // store holds exactly the model's keys, and no earlier copy yields a destroyed key under any surviving KEK.
        Gen.Int[0, 5].Array[4, 12].Sample(steps =>
        {
            using var dir = new TempDirectory();
            var folder = Path.Combine(dir.Path, "keystore");
            var model = new Dictionary<string, byte[]>();
            var destroyed = new List<(string Id, byte[] Secret)>();
            var copies = new List<string>();
            var next = 0;
            using (var store = ShreddingKeyStore.Open(folder))
            {
                foreach (var step in steps)
                {
                    if (step < 3 || model.Count == 0)
                    {
                        var id = $"k{next++}";
                        model[id] = RandomNumberGenerator.GetBytes(16 + step);
                        store.Add(id, $"owner{step}", model[id]);
                    }
                    else
                    {
                        var victims = model.Keys.Order(StringComparer.Ordinal).Take(step - 2).ToList();
                        Assert.Equal(victims.Count, store.Destroy(victims));
                        foreach (var victim in victims)
                        {
                            destroyed.Add((victim, model[victim]));
                            model.Remove(victim);
                        }
                    }

                    var copy = Path.Combine(dir.Path, $"copy{copies.Count}");
                    BackUp(folder, copy);
                    copies.Add(copy);
                }

                foreach (var (id, secret) in model)
                {
                    Assert.Equal(secret, store.Find(id));
                }

                foreach (var (id, _) in destroyed)
                {
                    Assert.Null(store.Find(id));
                }
            }

            var keks = Directory.GetFiles(Path.Combine(folder, "kek")).Select(File.ReadAllBytes).ToList();
            foreach (var copy in copies)
            {
                foreach (var (id, secret) in destroyed)
                {
                    if (TryRawRow(Path.Combine(copy, "keys.db"), id) is { } row)
                    {
                        Assert.DoesNotContain(keks, kek => TryUnwrap(kek, id, row.Owner, row.Epoch, row.Nonce, row.Wrapped, row.Tag, out var found) && found.SequenceEqual(secret));
                    }
                }
            }
        }, iter: 12, seed: "0N0XIzNsQ0O2");
    }

    // ---- helpers: a backup is a consistent copy of keys.db made with SQLite's online backup, without the KEK folder ----

    /// <summary>A store in <paramref name="dir"/>'s <c>keystore</c> holding <c>erased</c> (subject-1) and <c>kept</c> (subject-2), and where its backup goes.</summary>
    private static (ShreddingKeyStore Store, string Folder, string Backup) OpenWithTwoKeys(TempDirectory dir)
    {
        var folder = Path.Combine(dir.Path, "keystore");
        var store = ShreddingKeyStore.Open(folder);
        store.Add("erased", "subject-1", RandomNumberGenerator.GetBytes(32));
        store.Add("kept", "subject-2", RandomNumberGenerator.GetBytes(32));
        return (store, folder, Path.Combine(dir.Path, "backup"));
    }

    private static void BackUp(string folder, string backup)
    {
        // VACUUM INTO through a command: the copy is one read transaction, and a lock held for a moment by the pool's
        // background close (a WAL checkpoint) is waited out like any busy database, not thrown as online backup does.
        Directory.CreateDirectory(backup);
        using var source = new SqliteConnection($"Data Source={Path.Combine(folder, "keys.db")};Pooling=False");
        source.Open();
        using var command = source.CreateCommand();
        command.CommandText = "VACUUM INTO $target";
        command.Parameters.AddWithValue("$target", Path.Combine(backup, "keys.db"));
        command.ExecuteNonQuery();
    }

    private static void Restore(string backup, string folder)
    {
        SqliteConnection.ClearAllPools();
        foreach (var stale in new[] { "keys.db-wal", "keys.db-shm" })
        {
            File.Delete(Path.Combine(folder, stale));
        }

        File.Copy(Path.Combine(backup, "keys.db"), Path.Combine(folder, "keys.db"), overwrite: true);
    }

    private static (long Epoch, byte[] Nonce, byte[] Wrapped, byte[] Tag) RawRow(string database, string id)
    {
        var row = TryRawRow(database, id) ?? throw new InvalidOperationException("no row");
        return (row.Epoch, row.Nonce, row.Wrapped, row.Tag);
    }

    private static (string Owner, long Epoch, byte[] Nonce, byte[] Wrapped, byte[] Tag)? TryRawRow(string database, string id)
    {
        using var db = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT owner, epoch, nonce, wrapped, tag FROM keys WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.GetInt64(1), (byte[])reader[2], (byte[])reader[3], (byte[])reader[4]) : null;
    }

    private static bool TryUnwrap(byte[] kek, string id, string owner, long epoch, byte[] nonce, byte[] wrapped, byte[] tag, out byte[] secret)
    {
        secret = new byte[wrapped.Length];
        using var gcm = new AesGcm(kek, 16);
        try
        {
            gcm.Decrypt(nonce, wrapped, tag, secret, Encoding.UTF8.GetBytes($"obscura/keystore/v1\n{id}\n{owner}\n{epoch}"));
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }
}
