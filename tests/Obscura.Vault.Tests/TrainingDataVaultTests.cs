using System.Text.Json;
using Obscura.Governance;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.TestSupport;

namespace Obscura.Vault.Tests;

public abstract class TrainingDataVaultTests(StorageBackend backend) : IAsyncLifetime
{
    private VaultFixture _f = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TrainingDataVault Vault => _f.Vault;

    private DateTimeOffset Now => _f.Governance.Clock.GetUtcNow();

    public async ValueTask InitializeAsync() => _f = await VaultFixture.CreateAsync(backend);

    public ValueTask DisposeAsync() => _f.DisposeAsync();

    [Fact]
    public async Task An_ingested_image_reads_back_for_its_purpose_and_is_encrypted_at_rest()
    {
        var subject = await _f.ConsentingSubjectAsync();
        var request = VaultFixture.Image(subject, Now.AddDays(-1), size: 10_000);
        var stored = await _f.IngestAsync(request);

        Assert.Equal(Now.AddDays(-1) + TimeSpan.FromDays(365), stored.ExpiresAt);
        var read = await Vault.ReadAsync(VaultFixture.Actor, stored.Id, VaultFixture.Verification, Ct);
        Assert.True(read.Succeeded, read.Error?.Message);
        Assert.Equal(request.Payload, read.Value.Payload);
        Assert.Equal("oslo", read.Value.Metadata.Labels["site"]);

        // On disk: the file does not contain the payload, and no file anywhere in the vault does.
        foreach (var file in Directory.EnumerateFiles(_f.Folder, "*", SearchOption.AllDirectories))
        {
            if (file.EndsWith(".lock", StringComparison.Ordinal))
            {
                Assert.Equal(0, new FileInfo(file).Length); // held locks cannot be opened; they hold nothing
                continue;
            }

            var bytes = await File.ReadAllBytesAsync(file, Ct);
            Assert.True(bytes.AsSpan().IndexOf(request.Payload.AsSpan(0, 64)) < 0, $"{file} holds plaintext");
        }

        Assert.True((await Vault.CheckAsync(Ct)).Consistent);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Directory.GetFiles(Path.Combine(_f.Folder, "keystore", "kek"), "kek-*.key").Single()));
        }
    }

    [Fact]
    public async Task Ingest_and_read_are_refused_without_a_lawful_basis_and_bad_input_is_named()
    {
        var withoutConsent = (await _f.Governance.Governance.RegisterSubjectAsync(Obscura.TestSupport.GovernanceFixture.Admin, null, Ct)).Value!.Id;
        var refused = await Vault.IngestAsync(VaultFixture.Actor, VaultFixture.Image(withoutConsent, Now), Ct);
        Assert.Equal(GovernanceErrorKind.Refused, refused.Error?.Kind);
        Assert.Contains("ConsentMissing", refused.Error!.Message, StringComparison.Ordinal);

        var subject = await _f.ConsentingSubjectAsync();
        var stored = await _f.IngestAsync(VaultFixture.Image(subject, Now));
        // Store analytics never declared that it reuses identity-verification data.
        var reuse = await Vault.ReadAsync(VaultFixture.Actor, stored.Id, PurposeId.Parse("store-analytics"), Ct);
        Assert.Contains("ReuseNotDeclared", reuse.Error!.Message, StringComparison.Ordinal);
        // Model training declares the reuse and has a compatible assessment.
        Assert.True((await Vault.ReadAsync(VaultFixture.Actor, stored.Id, VaultFixture.Training, Ct)).Succeeded);

        Assert.Equal("payload", (await Vault.IngestAsync(VaultFixture.Actor, VaultFixture.Image(subject, Now) with { Payload = [] }, Ct)).Error?.Field);
        Assert.Equal("labels", (await Vault.IngestAsync(VaultFixture.Actor, VaultFixture.Image(subject, Now) with { Labels = new Dictionary<string, string> { ["name"] = "Kari Nordmann" } }, Ct)).Error?.Field);
        Assert.Equal("collectedAt", (await Vault.IngestAsync(VaultFixture.Actor, VaultFixture.Image(subject, Now.AddDays(-400)), Ct)).Error?.Field);
        Assert.Equal(GovernanceErrorKind.NotFound, (await Vault.ReadAsync(VaultFixture.Actor, "obj_00000000000000000000000000000000", VaultFixture.Verification, Ct)).Error?.Kind);
    }

    [Fact]
    public async Task An_altered_object_file_is_unreadable_and_the_check_reports_it()
    {
        var subject = await _f.ConsentingSubjectAsync();
        var stored = await _f.IngestAsync(VaultFixture.Image(subject, Now));
        var file = Directory.EnumerateFiles(Path.Combine(_f.Folder, "objects"), stored.Id + ".obj", SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(file, Ct);
        bytes[^10] ^= 1;
        await File.WriteAllBytesAsync(file, bytes, Ct);

        Assert.Equal(GovernanceErrorKind.Refused, (await Vault.ReadAsync(VaultFixture.Actor, stored.Id, VaultFixture.Verification, Ct)).Error?.Kind);
        var check = (await Vault.CheckAsync(Ct));
        Assert.False(check.Consistent);
        Assert.Contains(check.Problems, p => p.StartsWith(stored.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Withdrawn_consent_makes_the_data_unreadable_excluded_from_exports_and_shredded_by_the_retention_job()
    {
        var subjects = new List<SubjectId>();
        var objects = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            subjects.Add(await _f.ConsentingSubjectAsync());
            objects.Add((await _f.IngestAsync(VaultFixture.Image(subjects[i], Now, seed: i))).Id);
        }

        Assert.True((await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 1.0, [], null, "All ten test records are needed for this run.", "dpo", Ct)).Succeeded);
        var leaver = subjects[3];
        var withdrawnId = objects[3];
        await _f.WithdrawAsync(leaver);

        Assert.Equal(GovernanceErrorKind.Refused, (await Vault.ReadAsync(VaultFixture.Actor, withdrawnId, VaultFixture.Verification, Ct)).Error?.Kind);
        Assert.Equal(GovernanceErrorKind.Refused, (await Vault.ReadAsync(VaultFixture.Actor, withdrawnId, VaultFixture.Training, Ct)).Error?.Kind);
        var selection = (await Vault.SelectAsync(VaultFixture.Training, null, Ct)).Value!;
        Assert.Equal(9, selection.Eligible);
        Assert.DoesNotContain(leaver, selection.Subjects);
        var export = await Vault.ExportAsync(VaultFixture.Actor, new TrainingExportRequest("run-1", VaultFixture.Training, ["payload", "subject"], Pseudonymise: false), null, Ct);
        Assert.Equal(9, export.Value!.Records);
        Assert.DoesNotContain(leaver.Value, await File.ReadAllTextAsync(Path.Combine(Vault.ExportsFolder, "run-1", "records.jsonl"), Ct), StringComparison.Ordinal);

        var report = await Vault.RunRetentionAsync(VaultFixture.Actor, Ct);
        Assert.Equal((0, 1, 1), (report.ExpiredObjects, report.WithdrawnObjects, report.ShreddedSubjects));
        Assert.Equal(GovernanceErrorKind.NotFound, (await Vault.ReadAsync(VaultFixture.Actor, withdrawnId, VaultFixture.Verification, Ct)).Error?.Kind);
        Assert.Contains(Vault.Report().Deletions, d => d.Reason == "withdrawal:key-destroyed" && d.Count == 1);
    }

    [Fact]
    public async Task Retention_deletes_exactly_the_expired_items_and_shreds_subjects_left_with_nothing()
    {
        var old = await _f.ConsentingSubjectAsync();
        var mixed = await _f.ConsentingSubjectAsync();
        var expiring = new[]
        {
            await _f.IngestAsync(VaultFixture.Image(old, Now.AddDays(-300), seed: 1)),
            await _f.IngestAsync(VaultFixture.Image(mixed, Now.AddDays(-200), seed: 2)),
        };
        var staying = new[]
        {
            await _f.IngestAsync(VaultFixture.Image(mixed, Now.AddDays(-100), seed: 3)),
            await _f.IngestAsync(VaultFixture.Image(mixed, Now, seed: 4)),
        };

        _f.Governance.Clock.Advance(TimeSpan.FromDays(170)); // the -300 and -200 items pass 365 days; -100 is at 270
        var report = await Vault.RunRetentionAsync(VaultFixture.Actor, Ct);

        Assert.Equal(2, report.ExpiredObjects);
        Assert.Equal(1, report.ShreddedSubjects); // 'old' has nothing left; 'mixed' keeps its key
        foreach (var gone in expiring)
        {
            Assert.Equal(GovernanceErrorKind.NotFound, (await Vault.ReadAsync(VaultFixture.Actor, gone.Id, VaultFixture.Verification, Ct)).Error?.Kind);
        }

        foreach (var kept in staying)
        {
            Assert.True((await Vault.ReadAsync(VaultFixture.Actor, kept.Id, VaultFixture.Verification, Ct)).Succeeded);
        }

        Assert.Equal(0, (await Vault.RunRetentionAsync(VaultFixture.Actor, Ct)).ExpiredObjects);
        Assert.True((await Vault.CheckAsync(Ct)).Consistent);
    }

    [Fact]
    public async Task Erasure_destroys_the_key_so_a_backup_copy_is_unreadable_and_removes_the_subject_from_exports()
    {
        var subject = await _f.ConsentingSubjectAsync();
        var other = await _f.ConsentingSubjectAsync();
        var stored = await _f.IngestAsync(VaultFixture.Image(subject, Now, seed: 1));
        await _f.IngestAsync(VaultFixture.Image(other, Now, seed: 2));
        var file = Directory.EnumerateFiles(Path.Combine(_f.Folder, "objects"), stored.Id + ".obj", SearchOption.AllDirectories).Single();
        var backup = await File.ReadAllBytesAsync(file, Ct);
        await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 1.0, [], null, "Both records are needed for this test run.", "dpo", Ct);
        Assert.Equal(2, (await Vault.ExportAsync(VaultFixture.Actor, new TrainingExportRequest("run-e", VaultFixture.Training, ["payload"]), null, Ct)).Value!.Records);

        var erased = await Vault.ShredSubjectAsync(VaultFixture.Actor, subject, "erasure", Ct);

        Assert.Equal(1, erased.Value);
        Assert.False(File.Exists(file));
        // Restore the "backup" of the file: without the subject's data key it stays unreadable.
        await File.WriteAllBytesAsync(file, backup, Ct);
        Assert.Equal(GovernanceErrorKind.NotFound, (await Vault.ReadAsync(VaultFixture.Actor, stored.Id, VaultFixture.Verification, Ct)).Error?.Kind);
        var export = Vault.Exports().Single();
        Assert.Equal(1, export.Records);
        Assert.Single(await File.ReadAllLinesAsync(Path.Combine(Vault.ExportsFolder, "run-e", "records.jsonl"), Ct));
        Assert.Single(Directory.GetFiles(Path.Combine(Vault.ExportsFolder, "run-e", "payload")));
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Vault.ExportsFolder, "run-e", "manifest.json"), Ct));
        Assert.Equal(1, manifest.RootElement.GetProperty("records").GetInt32());
        File.Delete(file);
    }

    [Fact]
    public async Task An_export_holds_only_the_selected_subset_and_the_declared_fields_with_pseudonymised_ids()
    {
        var ids = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            var subject = await _f.ConsentingSubjectAsync();
            ids.Add((await _f.IngestAsync(VaultFixture.Image(subject, Now, seed: i, site: i % 4 == 0 ? "bergen" : "oslo"))).Id);
        }

        Assert.True((await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 0.25, ["site"], null, "A quarter is enough to measure the model drift.", "dpo", Ct)).Succeeded);
        var export = await Vault.ExportAsync(VaultFixture.Actor, new TrainingExportRequest("run-2", VaultFixture.Training, ["payload", "label:site"]), null, Ct);
        Assert.True(export.Succeeded, export.Error?.Message);
        Assert.Equal(10, export.Value.Records);
        var folder = Path.Combine(Vault.ExportsFolder, "run-2");
        var lines = await File.ReadAllLinesAsync(Path.Combine(folder, "records.jsonl"), Ct);
        Assert.Equal(10, lines.Length);
        var sites = new List<string>();
        foreach (var line in lines)
        {
            using var record = JsonDocument.Parse(line);
            var names = record.RootElement.EnumerateObject().Select(p => p.Name).Order().ToArray();
            Assert.Equal(["id", "label:site", "payload"], names);
            var id = record.RootElement.GetProperty("id").GetString()!;
            Assert.DoesNotContain(id, ids); // pseudonymised
            Assert.True(File.Exists(Path.Combine(folder, record.RootElement.GetProperty("payload").GetString()!)));
            sites.Add(record.RootElement.GetProperty("label:site").GetString()!);
        }

        Assert.InRange(sites.Count(s => s == "bergen"), 2, 3); // stratified: 10 of the 40 are from Bergen, so 2.5 of the 10 selected
        var all = string.Concat(Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".bin", StringComparison.Ordinal)).Select(File.ReadAllText));
        Assert.DoesNotContain("subject", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("branch-camera", all, StringComparison.Ordinal);
        Assert.DoesNotContain(ids[0][..12], all, StringComparison.Ordinal);

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "manifest.json"), Ct));
        foreach (var entry in manifest.RootElement.GetProperty("files").EnumerateArray())
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(folder, entry.GetProperty("path").GetString()!), Ct);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), entry.GetProperty("sha256").GetString());
        }

        Assert.Equal("fields", (await Vault.ExportAsync(VaultFixture.Actor, new TrainingExportRequest("run-3", VaultFixture.Training, ["payload", "face-embedding"]), null, Ct)).Error?.Field);
        Assert.Equal(GovernanceErrorKind.Conflict, (await Vault.ExportAsync(VaultFixture.Actor, new TrainingExportRequest("run-2", VaultFixture.Training, ["payload"]), null, Ct)).Error?.Kind);
        Assert.Equal(GovernanceErrorKind.NotFound, (await Vault.ExportAsync(VaultFixture.Actor, new TrainingExportRequest("run-4", PurposeId.Parse("store-analytics"), ["payload"]), null, Ct)).Error?.Kind);
    }

    [Fact]
    public async Task Selection_is_reproducible_across_restarts_and_a_new_policy_version_needs_its_own_justification()
    {
        for (var i = 0; i < 50; i++)
        {
            await _f.IngestAsync(VaultFixture.Image(await _f.ConsentingSubjectAsync(), Now, seed: i, site: i % 3 == 0 ? "bergen" : "oslo"));
        }

        Assert.Equal(1, (await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, MinimisationPolicy.DefaultFraction, ["site"], null, "Ten percent suffices to detect drift.", "dpo", Ct)).Value!.Version);
        var first = (await Vault.SelectAsync(VaultFixture.Training, null, Ct)).Value!;
        Assert.Equal(5, first.ObjectIds.Count);
        await _f.ReopenAsync();
        Assert.Equal(first.ObjectIds, (await Vault.SelectAsync(VaultFixture.Training, 1, Ct)).Value!.ObjectIds);

        Assert.Equal("justification", (await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 0.3, ["site"], null, "fraud", "dpo", Ct)).Error?.Field);
        var second = await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 0.3, ["site"], 12, "Fraud event 2026-11: more data to retrain the detector.", "dpo", Ct);
        Assert.Equal(2, second.Value!.Version);
        var larger = (await Vault.SelectAsync(VaultFixture.Training, null, Ct)).Value!;
        Assert.Equal(12, larger.ObjectIds.Count); // 0.3 × 50 = 15, capped at 12
        Assert.Equal([1, 2], Vault.Policies(VaultFixture.Training).Select(p => p.Version));
        Assert.Equal(first.ObjectIds, (await Vault.SelectAsync(VaultFixture.Training, 1, Ct)).Value!.ObjectIds);
        var use = Vault.Report().Training.Single();
        Assert.Equal((2, 50, 12), (use.PolicyVersion, use.Eligible, use.Selected));
    }

    [Fact]
    public async Task Scratch_files_are_gone_when_the_run_closes_or_its_deadline_passes_and_exports_expire()
    {
        for (var i = 0; i < 4; i++)
        {
            await _f.IngestAsync(VaultFixture.Image(await _f.ConsentingSubjectAsync(), Now, seed: i));
        }

        await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 0.5, [], null, "Half of the records for a smoke run.", "dpo", Ct);
        await Vault.ExportAsync(VaultFixture.Actor, new TrainingExportRequest("closing", VaultFixture.Training, ["payload"]), null, Ct);
        await Vault.ExportAsync(VaultFixture.Actor, new TrainingExportRequest("abandoned", VaultFixture.Training, ["payload"], ExpiresAfter: TimeSpan.FromDays(7), ScratchDeadline: TimeSpan.FromHours(2)), null, Ct);
        foreach (var run in new[] { "closing", "abandoned" })
        {
            Directory.CreateDirectory(Vault.ScratchFolder(run));
            await File.WriteAllTextAsync(Path.Combine(Vault.ScratchFolder(run), "features.tmp"), "intermediate", Ct);
        }

        Assert.Equal(ExportState.Closed, (await Vault.CloseRunAsync(VaultFixture.Actor, "closing", Ct)).Value!.State);
        Assert.False(Directory.Exists(Vault.ScratchFolder("closing")));
        Assert.True(Directory.Exists(Vault.ScratchFolder("abandoned")));

        _f.Governance.Clock.Advance(TimeSpan.FromHours(3));
        Assert.Equal(1, (await Vault.RunRetentionAsync(VaultFixture.Actor, Ct)).ScratchAreasDeleted);
        Assert.False(Directory.Exists(Vault.ScratchFolder("abandoned")));

        _f.Governance.Clock.Advance(TimeSpan.FromDays(7));
        Assert.Equal(1, (await Vault.RunRetentionAsync(VaultFixture.Actor, Ct)).ExpiredExports);
        Assert.False(Directory.Exists(Path.Combine(Vault.ExportsFolder, "abandoned")));
        Assert.True(Directory.Exists(Path.Combine(Vault.ExportsFolder, "closing")));
        Assert.Equal(ExportState.Deleted, Vault.Exports().Single(e => e.Run == "abandoned").State);
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(_f.Folder, "scratch")));
    }

    [Fact]
    public async Task Every_operation_is_in_the_ledger_and_the_ledger_verifies()
    {
        var subject = await _f.ConsentingSubjectAsync();
        var stored = await _f.IngestAsync(VaultFixture.Image(subject, Now));
        await Vault.ReadAsync(VaultFixture.Actor, stored.Id, VaultFixture.Verification, Ct);
        await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 1.0, [], null, "The single record is needed for this test.", "dpo", Ct);
        await Vault.ExportAsync(VaultFixture.Actor, new TrainingExportRequest("run-l", VaultFixture.Training, ["payload"]), null, Ct);
        await Vault.CloseRunAsync(VaultFixture.Actor, "run-l", Ct);
        await Vault.ShredSubjectAsync(VaultFixture.Actor, subject, "erasure", Ct);

        var entries = (await _f.Governance.LedgerService.GetEntriesAsync(0, 1000, Ct)).Value!.Where(e => e.Event.Actor == VaultFixture.Actor).Select(e => (e.Event.Action, e.Event.From, e.Event.To)).ToArray();
        Assert.Equal(
            [
                (AuditAction.Create, "source:branch-camera-1", "vault:objects"),
                (AuditAction.Read, "vault:objects", "reader:identity-verification"),
                (AuditAction.Create, null, "vault:policies"),
                (AuditAction.Read, "vault:objects", "reader:model-training"),
                (AuditAction.Export, "vault:objects", "export:run-l"),
                (AuditAction.Delete, "vault:scratch/run-l", "closed:0-files"),
                (AuditAction.Delete, "vault:objects", "erasure"),
                (AuditAction.Delete, "vault:keys", "erasure"),
                (AuditAction.Delete, "export:run-l", "erasure"),
            ],
            entries);
        Assert.True((await _f.Governance.LedgerService.VerifyAsync(null, null, Ct)).Intact);
    }

    [Fact]
    public async Task Opening_rolls_back_an_unfinished_ingest_and_removes_crash_debris_with_a_ledger_entry()
    {
        var subject = await _f.ConsentingSubjectAsync();
        var kept = await _f.IngestAsync(VaultFixture.Image(subject, Now, seed: 1));
        // The state a crash between the file write and the ledger append leaves: a pending row and its file, a
        // temporary file, an orphan object file and an abandoned export staging folder.
        var torn = kept with { Id = "obj_" + new string('c', 32) };
        using (var catalog = _f.OpenCatalog())
        {
            // Written by a writer whose process is gone: nobody holds its lock.
            Assert.True(catalog.InsertPending(torn, catalog.DataKeyOf(subject)!, new string('e', 32)));
        }

        var objects = Path.Combine(_f.Folder, "objects");
        Directory.CreateDirectory(Path.Combine(objects, "cc"));
        await File.WriteAllBytesAsync(Path.Combine(objects, "cc", torn.Id + ".obj"), [1, 2, 3], Ct);
        await File.WriteAllBytesAsync(Path.Combine(objects, "cc", torn.Id + ".obj.0123.tmp"), [1, 2], Ct);
        await File.WriteAllBytesAsync(Path.Combine(objects, "cc", "obj_" + new string('d', 32) + ".obj"), [4], Ct);
        var staging = Path.Combine(_f.Folder, "scratch", "run-x", "staging-0123");
        Directory.CreateDirectory(staging);
        await File.WriteAllTextAsync(Path.Combine(staging, "records.jsonl"), "{}", Ct);
        Assert.False((await Vault.CheckAsync(Ct)).Consistent);

        await _f.ReopenAsync();

        Assert.True((await Vault.CheckAsync(Ct)).Consistent);
        Assert.Empty(Directory.GetFiles(Path.Combine(objects, "cc")));
        Assert.False(Directory.Exists(staging));
        Assert.True((await Vault.ReadAsync(VaultFixture.Actor, kept.Id, VaultFixture.Verification, Ct)).Succeeded);
        Assert.Contains(Vault.Report().Deletions, d => d.Reason == "recovery" && d.Count == 1);
        var entries = (await _f.Governance.LedgerService.GetEntriesAsync(0, 1000, Ct)).Value!;
        Assert.Contains(entries, e => e.Event.Action == AuditAction.Delete && e.Event.To == "recovery" && e.Event.Reference == torn.Id);
    }

    [Fact]
    public async Task The_retention_job_removes_a_withdrawn_subjects_records_from_earlier_exports()
    {
        var subjects = new List<SubjectId>();
        for (var i = 0; i < 3; i++)
        {
            subjects.Add(await _f.ConsentingSubjectAsync());
            await _f.IngestAsync(VaultFixture.Image(subjects[i], Now, seed: i));
        }

        await Vault.SetPolicyAsync(VaultFixture.Actor, VaultFixture.Training, 1.0, [], null, "All three records are needed for this test.", "dpo", Ct);
        Assert.Equal(3, (await Vault.ExportAsync(VaultFixture.Actor, new TrainingExportRequest("before", VaultFixture.Training, ["payload", "subject"], Pseudonymise: false), null, Ct)).Value!.Records);
        await _f.WithdrawAsync(subjects[1]);

        Assert.Equal(1, (await Vault.RunRetentionAsync(VaultFixture.Actor, Ct)).WithdrawnObjects);

        Assert.Equal(2, Vault.Exports().Single().Records);
        var lines = await File.ReadAllLinesAsync(Path.Combine(Vault.ExportsFolder, "before", "records.jsonl"), Ct);
        Assert.Equal(2, lines.Length);
        Assert.DoesNotContain(lines, l => l.Contains(subjects[1].Value, StringComparison.Ordinal));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(Vault.ExportsFolder, "before", "payload")).Length);
    }
}
