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

    [Fact]
    public async Task A_folder_on_postgres_keeps_its_key_in_the_folder_and_refuses_to_sign_with_a_new_one()
    {
        Assert.SkipWhen(PostgresServer.OptedOut, $"{PostgresServer.OptOutVariable}=1");
        using var dir = new TempDirectory();
        var name = PostgresServer.Shared.CreateDatabase();
        try
        {
            var uri = PostgresServer.Shared.Uri(name);
            var data = Path.Combine(dir.Path, "data");
            using (var folder = DataFolder.Open(data, uri))
            {
                Assert.IsType<Postgres.PostgresGovernanceStore>(folder.Store);
                Assert.False(File.Exists(Path.Combine(data, "obscura.db")));
                Assert.DoesNotContain("password", folder.Store.Location, StringComparison.Ordinal);
                Assert.NotNull(await folder.EnsureBootstrapKeyAsync(new ApiKeys(folder.Store, new AuditLedger(folder.SigningKey, TimeProvider.System), TimeProvider.System), CancellationToken.None));
            }

            // The database holds a signed ledger; without the folder's key a new key would sign heads nobody can check.
            var keyFile = Path.Combine(data, "keys", "ledger-signing.pem");
            File.Delete(keyFile);
            var ex = Assert.Throws<InvalidDataException>(() => DataFolder.Open(data, uri));
            Assert.Contains("signing key", ex.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(keyFile));
            Assert.Throws<ArgumentException>(() => DataFolder.Open(data, "mysql://db/obscura"));
        }
        finally
        {
            PostgresServer.Shared.DropDatabase(name);
        }
    }
}
