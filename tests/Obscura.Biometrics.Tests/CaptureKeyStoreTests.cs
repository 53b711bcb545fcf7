using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Keys;
using Obscura.Security.Keys;
using Obscura.TestSupport;

namespace Obscura.Biometrics.Tests;

/// <summary>The capture side's transformation-key store: wrapped, owner-only, and shredding that holds against restored backups.</summary>
public sealed class CaptureKeyStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string Folder => Path.Combine(_dir.Path, "capture");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Keys_are_stored_wrapped_owner_only_survive_a_restart_and_destruction_is_final()
    {
        using var key = TemplateTransformationKey.Generate();
        var secret = key.ExportSecret();
        using (var store = CaptureKeyStore.Open(Folder))
        {
            store.Add("subject-1", key);
            Assert.Equal([key.Id], store.KeysOf("subject-1"));
            Assert.Equal(["subject-1"], store.Subjects());
            Assert.Throws<InvalidOperationException>(() => store.Add("subject-1", key));
        }

        foreach (var file in Directory.EnumerateFiles(Folder, "keys.db*"))
        {
            Assert.Equal(-1, File.ReadAllBytes(file).AsSpan().IndexOf(secret));
        }

        Assert.Empty(FileModes.WiderThanOwnerOnly(Folder));
        using var reopened = CaptureKeyStore.Open(Folder);
        using (var again = reopened.Open(key.Id))
        {
            Assert.Equal(secret, again.ExportSecret());
        }

        Assert.Equal(1, reopened.Destroy([key.Id, "ttk_unknown"]));
        Assert.Equal(StoredKeyState.Destroyed, reopened.StateOf(key.Id));
        Assert.Throws<KeyRevokedException>(() => reopened.Open(key.Id));
        Assert.Throws<KeyRevokedException>(() => reopened.Open("ttk_unknown"));
        Assert.Empty(reopened.KeysOf("subject-1"));
        Assert.Throws<InvalidOperationException>(() => reopened.Add("subject-1", key)); // ids are never reused
    }

    [Fact]
    public void A_backup_of_the_key_database_restored_after_a_destruction_unwraps_nothing()
    {
        using var doomed = TemplateTransformationKey.Generate();
        using var survivor = TemplateTransformationKey.Generate();
        var backup = Path.Combine(_dir.Path, "backup");
        using (var store = CaptureKeyStore.Open(Folder))
        {
            store.Add("subject-1", doomed);
            store.Add("subject-2", survivor);
        }

        Backups.Take(Folder, backup);
        using (var store = CaptureKeyStore.Open(Folder))
        {
            store.Destroy([doomed.Id]);
            using var stillThere = store.Open(survivor.Id);
        }

        Backups.Restore(backup, Folder);
        using var restored = CaptureKeyStore.Open(Folder);
        Assert.Equal(StoredKeyState.Active, restored.StateOf(doomed.Id)); // the row is back …
        Assert.Throws<InvalidDataException>(() => restored.Open(doomed.Id)); // … but its KEK is gone
        // Every key of that database is under the erased epoch, the survivor too: a restored key database is lost whole,
        // and it takes no new key until it is removed.
        Assert.Throws<InvalidDataException>(() => restored.Open(survivor.Id));
        using var fresh = TemplateTransformationKey.Generate();
        Assert.Throws<InvalidDataException>(() => restored.Add("subject-3", fresh));
    }
}
