using Microsoft.Data.Sqlite;
using Obscura.Governance;
using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.Security.Keys;
using Obscura.TestSupport;
using Obscura.Vault.Internal;

namespace Obscura.Vault.Tests;

/// <summary>
/// The review's findings on the vault (issue 12): data categories and Art. 9 at ingest, validation before any write,
/// atomic undo of a failed ingest, two vaults (as two processes) on one folder, and owner-only files.
/// </summary>
public abstract class VaultIntegrityTests(StorageBackend backend) : IAsyncLifetime
{
    private VaultFixture _f = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TrainingDataVault Vault => _f.Vault;

    private DateTimeOffset Now => _f.Governance.Clock.GetUtcNow();

    private string Objects => Path.Combine(_f.Folder, "objects");

    public async ValueTask InitializeAsync() => _f = await VaultFixture.CreateAsync(backend);

    public ValueTask DisposeAsync() => _f.DisposeAsync();

    [Fact]
    public async Task Ingest_refuses_a_category_its_purpose_does_not_declare_and_a_special_category_without_explicit_consent()
    {
        // The review's case: a consent-based purpose that declares only face-image, a plain (not explicit) consent, health data.
        var photos = SamplePurposes.ModelTraining with
        {
            Id = PurposeId.Parse("loyalty-photos"),
            LawfulBasis = LawfulBasis.Consent,
            Practices = [ProcessingPractice.AggregateAnalytics],
            ReusesDataFrom = [],
        };
        Assert.True((await _f.Governance.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, photos, Ct)).Succeeded);
        var subject = (await _f.Governance.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, null, Ct)).Value!.Id;
        Assert.True((await _f.Governance.Governance.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(subject, photos.Id, "notice-v1", false, "kiosk"), Ct)).Succeeded);
        var health = VaultFixture.Image(subject, Now) with { Purpose = photos.Id, Category = DataCategory.Parse("health") };
        var refused = await Vault.IngestAsync(VaultFixture.Actor, health, Ct);
        Assert.Equal(GovernanceErrorKind.Refused, refused.Error?.Kind);
        Assert.Equal("category", refused.Error!.Field);
        Assert.Contains("'health'", refused.Error.Message, StringComparison.Ordinal);
        Assert.Contains("'loyalty-photos'", refused.Error.Message, StringComparison.Ordinal);
        Assert.True((await Vault.IngestAsync(VaultFixture.Actor, health with { Category = VaultFixture.FaceImage }, Ct)).Succeeded);

        // Identity verification declares biometric-template (Art. 9) under explicit consent: without it, the refusal says so.
        var unconsented = (await _f.Governance.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, null, Ct)).Value!.Id;
        var template = VaultFixture.Image(unconsented, Now) with { Category = DataCategory.Parse("biometric-template") };
        var notExplicit = await Vault.IngestAsync(VaultFixture.Actor, template, Ct);
        Assert.Equal(GovernanceErrorKind.Refused, notExplicit.Error?.Kind);
        Assert.Contains("ConsentMissing", notExplicit.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("'biometric-template' needs the subject's explicit consent", notExplicit.Error.Message, StringComparison.Ordinal);

        var explicitly = await _f.ConsentingSubjectAsync();
        var stored = await _f.IngestAsync(template with { Subject = explicitly });
        // Reading it for model training would process a special category under a purpose that does not declare it.
        var reuse = await Vault.ReadAsync(VaultFixture.Actor, stored.Id, VaultFixture.Training, Ct);
        Assert.Equal(GovernanceErrorKind.Refused, reuse.Error?.Kind);
        Assert.Contains("'biometric-template'", reuse.Error!.Message, StringComparison.Ordinal);
        Assert.True((await Vault.ReadAsync(VaultFixture.Actor, stored.Id, VaultFixture.Verification, Ct)).Succeeded);

        // Only the two allowed ingests wrote anything.
        Assert.Equal(2, Directory.GetFiles(Objects, "*.obj", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task A_special_category_spelled_in_another_case_or_with_lookalike_characters_is_no_category_at_all()
    {
        // The bypass tried: a spelling of 'health' that a case-insensitive or normalising check would take for it, and a
        // case-sensitive special-category list would miss. Every such spelling is refused as a category, so it can be
        // neither declared by a purpose nor stored.
        string[] spellings = ["Health", "HEALTH", "h\u0435alth", "\uFF48ealth", "health\u200B", "he\u0301alth", " health", "health ", "heal\u0074h\u0338"];
        Assert.All(spellings, s => Assert.False(DataCategory.TryParse(s, out _), s));

        // A caller of the library that passes no category at all (default) stores nothing either.
        var subject = await _f.ConsentingSubjectAsync();
        var noCategory = await Vault.IngestAsync(VaultFixture.Actor, VaultFixture.Image(subject, Now) with { Category = default }, Ct);
        Assert.False(noCategory.Succeeded);
        Assert.Empty(Directory.Exists(Objects) ? Directory.GetFiles(Objects, "*", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public void A_special_category_is_refused_under_a_purpose_without_an_Art_9_condition()
    {
        // Registration refuses such a purpose; the gate does not rely on that.
        var unchecked_ = new Purpose(SamplePurposes.ModelTraining with { DataCategories = [VaultFixture.FaceImage, DataCategory.Parse("health")] }, DateTimeOffset.UnixEpoch);
        var refused = AccessGate.RefuseCategory(unchecked_, DataCategory.Parse("health"));
        Assert.Equal(GovernanceErrorKind.Refused, refused?.Kind);
        Assert.Contains("Art. 9", refused!.Message, StringComparison.Ordinal);
        Assert.Null(AccessGate.RefuseCategory(unchecked_, VaultFixture.FaceImage));
    }

    [Fact]
    public async Task A_source_the_ledger_cannot_hold_is_invalid_and_nothing_is_written()
    {
        var subject = await _f.ConsentingSubjectAsync();
        var entries = await LedgerSizeAsync();

        // "source:" + 122 characters is 129, one more than a ledger token holds.
        var outcome = await Vault.IngestAsync(VaultFixture.Actor, VaultFixture.Image(subject, Now) with { Source = new string('s', 122) }, Ct);

        Assert.Equal(GovernanceErrorKind.Invalid, outcome.Error?.Kind);
        Assert.Equal("source", outcome.Error!.Field);
        Assert.Empty(Directory.GetFiles(Objects, "*", SearchOption.AllDirectories));
        Assert.Empty(CatalogRows());
        Assert.Equal(entries, await LedgerSizeAsync());

        var longest = await _f.IngestAsync(VaultFixture.Image(subject, Now) with { Source = new string('s', 121) });
        var created = (await _f.Governance.LedgerService.GetEntriesAsync(0, 1000, Ct)).Value!.Single(e => e.Event.Reference == longest.Id);
        Assert.Equal(128, created.Event.From!.Length);
        Assert.Equal(AuditEvent.MaxTokenLength, created.Event.From.Length);
    }

    [Fact]
    public async Task A_ledger_failure_during_ingest_leaves_no_file_and_no_row_and_the_undo_reaches_the_ledger()
    {
        var subject = await _f.ConsentingSubjectAsync();
        var store = new FailingGovernanceStore(_f.Governance.Store) { FailBeforeCommit = true };
        var failing = await _f.OpenWithAsync(store);
        try
        {
            await Assert.ThrowsAsync<IOException>(() => failing.IngestAsync(VaultFixture.Actor, VaultFixture.Image(subject, Now), Ct));

            // Undone at once, not at the next start: no file, no temporary, no pending row, nothing in the ledger.
            Assert.Empty(Directory.GetFiles(Objects, "*", SearchOption.AllDirectories));
            Assert.Empty(CatalogRows());
            Assert.DoesNotContain(await VaultEntriesAsync(), e => e.Action == AuditAction.Create);
            var check = await Vault.CheckAsync(Ct);
            Assert.True(check.Consistent, string.Join("; ", check.Problems));
            Assert.Equal(0, check.InFlight);

            // The undo's own ledger entry waits in the outbox until the ledger works again, then is appended.
            store.FailBeforeCommit = false;
            Assert.True((await failing.CheckAsync(Ct)).Consistent);
            Assert.Single(await VaultEntriesAsync(), e => e.Action == AuditAction.Delete && e.To == "recovery");
        }
        finally
        {
            failing.Dispose();
        }
    }

    [Fact]
    public async Task A_ledger_failure_after_its_commit_is_undone_and_the_ledger_records_the_deletion()
    {
        var subject = await _f.ConsentingSubjectAsync();
        var store = new FailingGovernanceStore(_f.Governance.Store) { FailAfterCommit = true };
        var failing = await _f.OpenWithAsync(store);
        try
        {
            await Assert.ThrowsAsync<IOException>(() => failing.IngestAsync(VaultFixture.Actor, VaultFixture.Image(subject, Now), Ct));

            Assert.Empty(Directory.GetFiles(Objects, "*", SearchOption.AllDirectories));
            Assert.Empty(CatalogRows());
            var id = (await VaultEntriesAsync()).Single(e => e.Action == AuditAction.Create).Reference;
            Assert.Contains(await VaultEntriesAsync(), e => e.Action == AuditAction.Delete && e.Reference == id && e.To == "recovery");
            store.FailAfterCommit = false;
            Assert.True((await failing.CheckAsync(Ct)).Consistent);
        }
        finally
        {
            failing.Dispose();
        }
    }

    [Fact]
    public async Task Recovery_leaves_a_live_writers_pending_ingest_alone_and_rolls_it_back_once_the_writer_is_gone()
    {
        var subject = await _f.ConsentingSubjectAsync();
        var kept = await _f.IngestAsync(VaultFixture.Image(subject, Now));
        var inFlight = kept with { Id = "obj_" + new string('a', 32) };
        using (var catalog = _f.OpenCatalog())
        {
            // An ingest of the open vault (a live writer: it holds its lease) between its pending row and its ledger entry.
            Assert.True(catalog.InsertPending(inFlight, catalog.DataKeyOf(subject)!, Vault.WriterId));
        }

        // A second vault on the folder, as the CLI is beside a running server: opening, checking and retention recover.
        var other = await _f.OpenAsync();
        try
        {
            var check = await other.CheckAsync(Ct);
            Assert.True(check.Consistent, string.Join("; ", check.Problems));
            Assert.Equal(1, check.InFlight);
            await other.RunRetentionAsync(VaultFixture.Actor, Ct);
            Assert.Single(CatalogRows(), r => !r.Stored);

            // The writer stops (its lease is released as a killed process's would be): now it is debris.
            Vault.Dispose();
            var after = await other.CheckAsync(Ct);
            Assert.Contains($"repaired: {inFlight.Id}: unfinished ingest of a stopped process rolled back", after.Problems);
            Assert.DoesNotContain(CatalogRows(), r => !r.Stored);
            Assert.True((await other.CheckAsync(Ct)).Consistent);
            Assert.True((await other.ReadAsync(VaultFixture.Actor, kept.Id, VaultFixture.Verification, Ct)).Succeeded);
        }
        finally
        {
            other.Dispose();
        }
    }

    [Fact]
    public async Task A_vault_restored_with_the_default_modes_of_a_copy_is_narrowed_to_owner_only_on_open()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes.");
        var subject = await _f.ConsentingSubjectAsync();
        await _f.IngestAsync(VaultFixture.Image(subject, Now));
        Vault.Dispose();

        // A restore with 'cp -r' (no -p) under umask 022: every folder 0755, every file 0644, SQLite's -wal and -shm
        // included (a -wal made later takes its database's mode).
        foreach (var entry in Directory.GetFileSystemEntries(_f.Folder, "*", SearchOption.AllDirectories).Append(_f.Folder))
        {
            FileModes.Set(entry, Directory.Exists(entry) ? (UnixFileMode)0b111_101_101 : (UnixFileMode)0b110_100_100);
        }

        await _f.ReopenAfterRestoreAsync();
        await _f.IngestAsync(VaultFixture.Image(subject, Now, seed: 2));
        Assert.Empty(FileModes.WiderThanOwnerOnly(_f.Folder));

        // Only the key database copied back (a partial restore): it is narrowed too.
        Vault.Dispose();
        var keys = Path.Combine(_f.Folder, "keystore", "keys.db");
        FileModes.Set(keys, (UnixFileMode)0b110_100_100);
        await _f.ReopenAfterRestoreAsync();
        Assert.Empty(FileModes.WiderThanOwnerOnly(_f.Folder));
    }

    [Fact]
    public async Task Two_processes_opening_at_once_after_a_writer_died_roll_its_work_back_once_and_one_reuses_its_lease()
    {
        var subject = await _f.ConsentingSubjectAsync();
        var kept = await _f.IngestAsync(VaultFixture.Image(subject, Now));
        var dead = Vault.WriterId;
        var orphan = kept with { Id = "obj_" + new string('b', 32) };
        using (var catalog = _f.OpenCatalog())
        {
            Assert.True(catalog.InsertPending(orphan, catalog.DataKeyOf(subject)!, dead));
        }

        // The writer is killed: its lease file stays, its lock is free. Two processes open the vault at the same moment;
        // both recover on open, and the first to take the free lease reuses the dead writer's id.
        Vault.Dispose();
        var opened = await Task.WhenAll(_f.OpenAsync(), _f.OpenAsync());
        try
        {
            Assert.Single(opened, v => v.WriterId == dead);
            Assert.DoesNotContain(CatalogRows(), r => !r.Stored);
            Assert.Single(await VaultEntriesAsync(), e => e.Action == AuditAction.Delete && e.Reference == orphan.Id && e.To == "recovery");
            Assert.DoesNotContain(await VaultEntriesAsync(), e => e.Action == AuditAction.Delete && e.Reference == kept.Id);

            // The reused id's new work is its own: a check from the other process leaves it alone.
            var reused = opened.Single(v => v.WriterId == dead);
            var other = opened.Single(v => v.WriterId != dead);
            using (var catalog = _f.OpenCatalog())
            {
                Assert.True(catalog.InsertPending(orphan with { Id = "obj_" + new string('c', 32) }, catalog.DataKeyOf(subject)!, dead));
            }

            var check = await other.CheckAsync(Ct);
            Assert.True(check.Consistent, string.Join("; ", check.Problems));
            Assert.Equal(1, check.InFlight);
            Assert.True((await reused.ReadAsync(VaultFixture.Actor, kept.Id, VaultFixture.Verification, Ct)).Succeeded);
        }
        finally
        {
            foreach (var v in opened)
            {
                v.Dispose();
            }
        }
    }

    [Fact]
    public async Task An_erasure_during_a_ledger_outage_deletes_at_once_and_its_ledger_entries_follow_exactly_once()
    {
        var subject = await _f.ConsentingSubjectAsync();
        var store = new FailingGovernanceStore(_f.Governance.Store);
        var server = await _f.OpenWithAsync(store);
        VaultObject erased;
        try
        {
            erased = (await server.IngestAsync(VaultFixture.Actor, VaultFixture.Image(subject, Now), Ct)).Value!;
            store.FailBeforeCommit = true;
            try
            {
                await server.ShredSubjectAsync(VaultFixture.Actor, subject, "erasure", Ct);
            }
            catch (IOException)
            {
                // The ledger is down: the erasure reports it, but the data is gone already.
            }

            Assert.DoesNotContain(CatalogRows(), r => r.Metadata.Id == erased.Id);
            Assert.Empty(Directory.GetFiles(Objects, "*.obj", SearchOption.AllDirectories));
            Assert.DoesNotContain(await VaultEntriesAsync(), e => e.Action == AuditAction.Delete && e.Reference == erased.Id);

            // The ledger is back. Another process's check leaves the live server's staged entries alone.
            store.FailBeforeCommit = false;
            await Vault.CheckAsync(Ct);
            Assert.DoesNotContain(await VaultEntriesAsync(), e => e.Action == AuditAction.Delete && e.Reference == erased.Id);
        }
        finally
        {
            server.Dispose();
        }

        // The server stops before it retried: the next recovery elsewhere appends what it staged, once.
        await Vault.CheckAsync(Ct);
        await Vault.CheckAsync(Ct);
        Assert.Single(await VaultEntriesAsync(), e => e.Action == AuditAction.Delete && e.Reference == erased.Id && e.To == "erasure");
        Assert.Single(await VaultEntriesAsync(), e => e.Action == AuditAction.Delete && e.From == "vault:keys" && e.Subject == subject);
    }

    [Fact]
    public async Task An_erasure_that_runs_while_an_ingest_is_in_flight_wins_and_leaves_nothing_behind()
    {
        var subject = await _f.ConsentingSubjectAsync();
        var store = new FailingGovernanceStore(_f.Governance.Store);
        var ingesting = await _f.OpenWithAsync(store);
        try
        {
            // Between the ingest's pending row and its ledger entry, another vault (process) erases the subject.
            Outcome<int>? erased = null;
            store.BeforeWrite = async () => erased = await Vault.ShredSubjectAsync(VaultFixture.Actor, subject, "erasure", Ct);

            var outcome = await ingesting.IngestAsync(VaultFixture.Actor, VaultFixture.Image(subject, Now), Ct);

            Assert.Equal(1, erased?.Value);
            Assert.Equal(GovernanceErrorKind.Refused, outcome.Error?.Kind);
            Assert.Empty(Directory.GetFiles(Objects, "*", SearchOption.AllDirectories));
            Assert.Empty(CatalogRows());
            var entries = await VaultEntriesAsync();
            var id = entries.Single(e => e.Action == AuditAction.Create).Reference;
            Assert.Contains(entries, e => e.Action == AuditAction.Delete && e.Reference == id && e.To == "erasure");
            Assert.Contains(entries, e => e.Action == AuditAction.Delete && e.From == "vault:keys" && e.To == "erasure");
            using var keys = ShreddingKeyStore.Open(Path.Combine(_f.Folder, "keystore"));
            Assert.Empty(keys.IdsOwnedBy(subject.Value));

            // The subject's next blob gets a fresh key.
            Assert.True((await ingesting.IngestAsync(VaultFixture.Actor, VaultFixture.Image(subject, Now, seed: 2), Ct)).Succeeded);
            Assert.True((await Vault.CheckAsync(Ct)).Consistent);
        }
        finally
        {
            ingesting.Dispose();
        }
    }

    [Fact]
    public async Task Everything_the_vault_writes_is_owner_only()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes.");
        var subjects = new List<SubjectId>();
        for (var i = 0; i < 4; i++)
        {
            subjects.Add(await _f.ConsentingSubjectAsync());
            await _f.IngestAsync(VaultFixture.Image(subjects[i], Now, seed: i));
        }

        await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 1.0, [], null, "All four records are needed for this test.", "dpo", Ct);
        foreach (var run in new[] { "kept", "closed" })
        {
            Assert.True((await Vault.ExportAsync(VaultFixture.Actor, new TrainingExportRequest(run, VaultFixture.Training, ["payload", "subject"]), null, Ct)).Succeeded);
        }

        Assert.True(Directory.Exists(Vault.ScratchFolder("kept"))); // made by the vault, for the run's own files
        await Vault.CloseRunAsync(VaultFixture.Actor, "closed", Ct);
        await Vault.ShredSubjectAsync(VaultFixture.Actor, subjects[0], "erasure", Ct);
        await Vault.RunRetentionAsync(VaultFixture.Actor, Ct);
        await Vault.CheckAsync(Ct);

        foreach (var folder in new[] { "objects", "exports", "scratch", "keystore", "writers", "locks" })
        {
            Assert.True(Directory.Exists(Path.Combine(_f.Folder, folder)), folder);
        }

        Assert.NotEmpty(Directory.GetFiles(Path.Combine(Vault.ExportsFolder, "kept", "payload")));
        Assert.Empty(FileModes.WiderThanOwnerOnly(_f.Folder));
    }

    [Fact]
    public async Task A_catalogue_of_the_earlier_format_with_keys_inside_is_refused_with_a_clear_message()
    {
        using var dir = new TempDirectory();
        var folder = Path.Combine(dir.Path, "vault");
        Directory.CreateDirectory(folder);
        using (var old = new SqliteConnection($"Data Source={Path.Combine(folder, "vault.db")};Pooling=False"))
        {
            old.Open();
            using var command = old.CreateCommand();
            command.CommandText = "CREATE TABLE subject_keys(subject TEXT PRIMARY KEY, wrapped BLOB NOT NULL, created_at INTEGER NOT NULL)";
            command.ExecuteNonQuery();
        }

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => TrainingDataVault.OpenAsync(
            folder, _f.Governance.Governance, new AuditTrail(_f.Governance.Store, _f.Governance.Ledger), _f.Governance.Clock, Ct));
        Assert.Contains("earlier version", error.Message, StringComparison.Ordinal);
    }

    private IReadOnlyList<CatalogObject> CatalogRows()
    {
        using var catalog = _f.OpenCatalog();
        return [.. catalog.Pending(), .. catalog.Stored()];
    }

    private async Task<long> LedgerSizeAsync() => (await _f.Governance.LedgerService.GetEntriesAsync(0, 1000, Ct)).Value!.Count;

    private async Task<IReadOnlyList<AuditEvent>> VaultEntriesAsync() =>
        [.. (await _f.Governance.LedgerService.GetEntriesAsync(0, 1000, Ct)).Value!.Select(e => e.Event).Where(e => e.From is "vault:objects" or "vault:keys" || e.To == "vault:objects")];
}
