using Obscura.Governance.Access;
using Obscura.Governance.Ledger;
using Obscura.TestSupport;

namespace Obscura.Storage.Tests;

public sealed class DataFolderTests
{
    [Fact]
    public async Task Every_file_and_folder_of_a_data_folder_is_owner_only_including_the_database_journal_and_keys()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "Unix modes.");
        using var dir = new TempDirectory();
        var data = Path.Combine(dir.Path, "data");
        using (var folder = DataFolder.Open(data))
        {
            var ledger = new AuditLedger(folder.SigningKey, TimeProvider.System);
            var keys = new ApiKeys(folder.Store, ledger, TimeProvider.System);
            Assert.NotNull(await folder.EnsureBootstrapKeyAsync(keys, TestContext.Current.CancellationToken));
            await new AuditTrail(folder.Store, ledger).RecordAsync(
                [new AuditEvent("test:modes", AuditAction.Create, Governance.Purposes.DataCategory.Parse("subject-record"))], TestContext.Current.CancellationToken);

            // While open, SQLite's -wal and -shm files exist too.
            Assert.True(File.Exists(Path.Combine(data, "obscura.db-wal")));
            Assert.Empty(FileModes.WiderThanOwnerOnly(data));
        }

        Assert.Empty(FileModes.WiderThanOwnerOnly(data));
    }

    [Fact]
    public void A_data_folder_left_world_readable_by_an_older_version_is_narrowed_on_open()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "Unix modes.");
        using var dir = new TempDirectory();
        var data = Path.Combine(dir.Path, "data");
        using (DataFolder.Open(data))
        {
        }

        FileModes.Set(data, (UnixFileMode)0b111_101_101);
        FileModes.Set(Path.Combine(data, "obscura.db"), (UnixFileMode)0b110_100_100);

        using (DataFolder.Open(data))
        {
            Assert.Empty(FileModes.WiderThanOwnerOnly(data));
        }
    }
}
