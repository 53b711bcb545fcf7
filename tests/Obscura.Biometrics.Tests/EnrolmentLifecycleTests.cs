using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Roles;
using Obscura.Governance;
using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.Governance.Storage;
using Obscura.Governance.Subjects;
using Obscura.Security.Keys;
using Obscura.TestSupport;

namespace Obscura.Biometrics.Tests;

/// <summary>
/// The enrolment lifecycle (issue 12, findings 4, 5, 13 and 15): no silent replacement of a reference, shredding on
/// withdrawal and erasure that a new consent or a restored backup cannot undo, and changes that commit with their
/// ledger entry or not at all.
/// </summary>
[Collection(VerificationCollection.Name)]
public sealed class EnrolmentLifecycleTests(VerificationFixture fixture)
{
    private const string Controller = "apikey:ops";
    private const string Processor = "apikey:desk";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Onboarding_a_subject_with_a_live_enrolment_is_refused_and_the_reference_stays()
    {
        var faces = new SyntheticFaces(128, 41);
        var (victim, attacker) = (faces.Identity(), faces.Identity());
        var subject = await fixture.ConsentingSubjectAsync();
        var enrolment = await fixture.Verification.OnboardAsync(subject, faces.Capture(victim), Ct);
        var before = await EntriesAsync(subject);

        var swap = await fixture.Verification.EnrolAsync(Processor, subject, faces.Capture(attacker), EnrolmentMode.Onboard, Ct);
        Assert.Equal(GovernanceErrorKind.Conflict, swap.Error?.Kind);
        await Assert.ThrowsAsync<InvalidOperationException>(() => fixture.Verification.OnboardAsync(subject, faces.Capture(attacker), Ct));

        Assert.Equal(enrolment, await fixture.Store.FindAsync(subject, Ct));
        Assert.Equal([enrolment.TransformationKeyId], fixture.CaptureKeys.KeysOf(subject));
        Assert.Equal(before, await EntriesAsync(subject));
        Assert.False((await fixture.Verification.VerifyAsync(subject, faces.Capture(attacker), Ct)).IsMatch);
        Assert.True((await fixture.Verification.VerifyAsync(subject, faces.Capture(victim), Ct)).IsMatch);
    }

    [Fact]
    public async Task Re_enrolment_destroys_the_old_key_replaces_the_template_and_records_both_steps()
    {
        var faces = new SyntheticFaces(128, 42);
        var (before, after) = (faces.Identity(), faces.Identity());
        var subject = await fixture.ConsentingSubjectAsync();
        var old = await fixture.Verification.OnboardAsync(subject, faces.Capture(before), Ct);

        var outcome = await fixture.Verification.EnrolAsync(Controller, subject, faces.Capture(after), EnrolmentMode.ReEnrol, Ct);
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        var renewed = outcome.Value;
        Assert.Equal(StoredKeyState.Destroyed, fixture.CaptureKeys.StateOf(old.TransformationKeyId));
        Assert.Equal([renewed.TransformationKeyId], fixture.CaptureKeys.KeysOf(subject));
        Assert.True((await fixture.Verification.VerifyAsync(subject, faces.Capture(after), Ct)).IsMatch);
        Assert.False((await fixture.Verification.VerifyAsync(subject, faces.Capture(before), Ct)).IsMatch);

        // The old template, replayed by storage, is sealed but its key is gone.
        await fixture.Store.SaveAsync(old, Ct);
        Assert.Equal(VerificationRefusal.KeyRevoked, (await fixture.Verification.VerifyAsync(subject, faces.Capture(before), Ct)).Refusal);

        var recorded = (await EntriesAsync(subject)).Where(e => e.Actor == Controller).ToList();
        Assert.Equal(
            [
                (AuditAction.Delete, "template-transformation-key", "capture:keys", "re-enrolment", old.TransformationKeyId),
                (AuditAction.Delete, "biometric-template", "store:templates", "re-enrolment", old.EnrolmentId),
                (AuditAction.Create, "template-transformation-key", "capture", "capture:keys", renewed.TransformationKeyId),
                (AuditAction.Create, "biometric-template", "capture", "store:templates", renewed.EnrolmentId),
            ],
            recorded.Select(e => (e.Action, e.DataCategory.ToString(), e.From, e.To, e.Reference)));
    }

    [Fact]
    public async Task A_new_consent_after_withdrawal_does_not_bring_the_old_enrolment_back()
    {
        var faces = new SyntheticFaces(128, 43);
        var dave = faces.Identity();
        var subject = await fixture.ConsentingSubjectAsync();
        var enrolment = await fixture.Verification.OnboardAsync(subject, faces.Capture(dave), Ct);

        await WithdrawAsync(subject);
        Assert.True(await fixture.Verification.ShredIfWithdrawnAsync(Controller, subject, Ct)); // the hook hosts run after a withdrawal
        await ConsentAsync(subject);

        Assert.Equal(VerificationRefusal.NotEnrolled, (await fixture.Verification.VerifyAsync(subject, faces.Capture(dave), Ct)).Refusal);
        Assert.Equal(StoredKeyState.Destroyed, fixture.CaptureKeys.StateOf(enrolment.TransformationKeyId));
        Assert.Null(await fixture.Store.FindAsync(subject, Ct));
        Assert.Contains(await EntriesAsync(subject), e => e.Action == AuditAction.Delete && e.To == "withdrawal" && e.Reference == enrolment.TransformationKeyId);

        // A subject who may still be processed is left alone by the hook.
        var other = await fixture.ConsentingSubjectAsync();
        await fixture.Verification.OnboardAsync(other, faces.Capture(faces.Identity()), Ct);
        Assert.False(await fixture.Verification.ShredIfWithdrawnAsync(Controller, other, Ct));
        Assert.NotNull(await fixture.Store.FindAsync(other, Ct));
    }

    [Fact]
    public async Task Erasure_removes_every_key_of_the_subject_and_the_template_and_is_recorded()
    {
        var faces = new SyntheticFaces(128, 44);
        var subject = await fixture.ConsentingSubjectAsync();
        var enrolment = await fixture.Verification.OnboardAsync(subject, faces.Capture(faces.Identity()), Ct);
        using var stray = Cancelable.TemplateTransformationKey.Generate();
        fixture.CaptureKeys.Add(subject, stray); // a key no template uses (left by an older version, say)

        Assert.True(await fixture.Verification.RemoveEnrolmentAsync(Controller, subject, EnrolmentRemoval.Erasure, Ct));
        Assert.Empty(fixture.CaptureKeys.KeysOf(subject));
        Assert.Null(await fixture.Store.FindAsync(subject, Ct));
        (AuditAction, string?, string?)[] expected =
            [(AuditAction.Delete, "capture:keys", enrolment.TransformationKeyId), (AuditAction.Delete, "capture:keys", stray.Id), (AuditAction.Delete, "store:templates", enrolment.EnrolmentId)];
        Assert.Equal(expected.Order(), (await EntriesAsync(subject)).Where(e => e.To == "erasure").Select(e => (e.Action, e.From, e.Reference)).Order());
        Assert.False(await fixture.Verification.RemoveEnrolmentAsync(Controller, subject, EnrolmentRemoval.Erasure, Ct));
    }

    [Fact]
    public async Task The_sweep_removes_what_a_crash_between_withdrawal_and_shredding_left_and_any_half_enrolment()
    {
        var faces = new SyntheticFaces(128, 45);
        var withdrawn = await fixture.ConsentingSubjectAsync();
        var kept = await fixture.ConsentingSubjectAsync();
        var keptFace = faces.Identity();
        var lost = await fixture.Verification.OnboardAsync(withdrawn, faces.Capture(faces.Identity()), Ct);
        var live = await fixture.Verification.OnboardAsync(kept, faces.Capture(keptFace), Ct);
        await WithdrawAsync(withdrawn); // and the process dies before its hook runs

        // Half enrolments: a key no template uses, and a template whose key is gone.
        var orphanOwner = await fixture.ConsentingSubjectAsync();
        using var orphan = Cancelable.TemplateTransformationKey.Generate();
        fixture.CaptureKeys.Add(orphanOwner, orphan);
        var keyless = await fixture.ConsentingSubjectAsync();
        var dead = await fixture.Verification.OnboardAsync(keyless, faces.Capture(faces.Identity()), Ct);
        fixture.CaptureKeys.Destroy([dead.TransformationKeyId]);

        var report = await fixture.Verification.RunRetentionAsync("svc:retention", Ct);
        Assert.True(report.WithdrawnSubjects >= 1 && report.KeysDestroyed >= 2 && report.TemplatesDeleted >= 2, report.ToString());
        Assert.Null(await fixture.Store.FindAsync(withdrawn, Ct));
        Assert.Equal(StoredKeyState.Destroyed, fixture.CaptureKeys.StateOf(lost.TransformationKeyId));
        Assert.Equal(StoredKeyState.Destroyed, fixture.CaptureKeys.StateOf(orphan.Id));
        Assert.Null(await fixture.Store.FindAsync(keyless, Ct));
        Assert.Equal(live, await fixture.Store.FindAsync(kept, Ct));

        await ConsentAsync(withdrawn);
        Assert.Equal(VerificationRefusal.NotEnrolled, (await fixture.Verification.VerifyAsync(withdrawn, faces.Capture(faces.Identity()), Ct)).Refusal);
        Assert.True((await fixture.Verification.VerifyAsync(kept, faces.Capture(keptFace), Ct)).IsMatch);
        Assert.Contains(await EntriesAsync(withdrawn), e => e.Actor == "svc:retention" && e.To == "withdrawal" && e.Reference == lost.EnrolmentId);
        Assert.Contains(await EntriesAsync(orphanOwner), e => e.Actor == "svc:retention" && e.To == "retention" && e.Reference == orphan.Id);
    }

    [Fact]
    public async Task A_restored_backup_taken_before_a_withdrawal_does_not_bring_the_key_or_the_enrolment_back()
    {
        using var dir = new TempDirectory();
        var data = Path.Combine(dir.Path, "biometrics");
        var backup = Path.Combine(dir.Path, "backup");
        var templates = Path.Combine(data, "templates");
        var faces = new SyntheticFaces(128, 46);
        var erin = faces.Identity();
        var subject = await fixture.ConsentingSubjectAsync();
        string keyId;
        using (var keys = CaptureKeyStore.Open(Path.Combine(data, "capture")))
        {
            var verification = fixture.Wire(fixture.KeyHolder, new FileTemplateStore(templates), keys, fixture.Audit);
            keyId = (await verification.OnboardAsync(subject, faces.Capture(erin), Ct)).TransformationKeyId;
            Assert.True((await verification.VerifyAsync(subject, faces.Capture(erin), Ct)).IsMatch);
        }

        Backups.Take(data, backup); // capture/keys.db and templates/, not capture/kek/
        using (var keys = CaptureKeyStore.Open(Path.Combine(data, "capture")))
        {
            var verification = fixture.Wire(fixture.KeyHolder, new FileTemplateStore(templates), keys, fixture.Audit);
            await WithdrawAsync(subject);
            Assert.True(await verification.ShredIfWithdrawnAsync(Controller, subject, Ct));
        }

        Backups.Restore(backup, data);
        await ConsentAsync(subject);
        using (var keys = CaptureKeyStore.Open(Path.Combine(data, "capture")))
        {
            var verification = fixture.Wire(fixture.KeyHolder, new FileTemplateStore(templates), keys, fixture.Audit);
            Assert.NotNull(await new FileTemplateStore(templates).FindAsync(subject, Ct)); // the backup did restore the template
            await Assert.ThrowsAsync<InvalidDataException>(() => verification.VerifyAsync(subject, faces.Capture(erin), Ct));
            Assert.Throws<InvalidDataException>(() => keys.Open(keyId));
        }

        // By hand, with the foundation's store over the restored database: the key's epoch KEK no longer exists.
        using var raw = ShreddingKeyStore.Open(Path.Combine(data, "capture"));
        Assert.Throws<InvalidDataException>(() => raw.Find(keyId));
    }

    [Fact]
    public async Task A_failing_ledger_leaves_no_key_no_template_and_the_old_enrolment_as_it_was()
    {
        var faces = new SyntheticFaces(128, 47);
        var (first, second) = (faces.Identity(), faces.Identity());
        var fresh = await fixture.ConsentingSubjectAsync();
        var enrolled = await fixture.ConsentingSubjectAsync();
        var old = await fixture.Verification.OnboardAsync(enrolled, faces.Capture(first), Ct);
        var broken = fixture.Wire(fixture.KeyHolder, fixture.Store, fixture.CaptureKeys, new AuditTrail(new FailingStore(fixture.Governance.Store, failAfter: 0), fixture.Governance.Ledger));

        await Assert.ThrowsAsync<IOException>(() => broken.OnboardAsync(fresh, faces.Capture(first), Ct));
        Assert.Null(await fixture.Store.FindAsync(fresh, Ct));
        Assert.Empty(fixture.CaptureKeys.KeysOf(fresh));

        await Assert.ThrowsAsync<IOException>(() => broken.EnrolAsync(Controller, enrolled, faces.Capture(second), EnrolmentMode.ReEnrol, Ct));
        Assert.Equal(old, await fixture.Store.FindAsync(enrolled, Ct));
        Assert.Equal([old.TransformationKeyId], fixture.CaptureKeys.KeysOf(enrolled));
        Assert.True((await fixture.Verification.VerifyAsync(enrolled, faces.Capture(first), Ct)).IsMatch);

        // A removal whose ledger entry cannot be written does not happen now; it stays pending, and recovery finishes it.
        await Assert.ThrowsAsync<IOException>(() => broken.RemoveEnrolmentAsync(Controller, enrolled, EnrolmentRemoval.Erasure, Ct));
        Assert.Equal(StoredKeyState.Active, fixture.CaptureKeys.StateOf(old.TransformationKeyId));
        Assert.Equal(1, (await fixture.Verification.RecoverAsync(Ct)).Changes);
        Assert.Equal(StoredKeyState.Destroyed, fixture.CaptureKeys.StateOf(old.TransformationKeyId));
        Assert.Null(await fixture.Store.FindAsync(enrolled, Ct));
    }

    [Fact]
    public async Task A_crash_after_the_commit_is_undone_by_recovery_but_never_a_change_a_live_process_holds()
    {
        var faces = new SyntheticFaces(128, 48);
        var subject = await fixture.ConsentingSubjectAsync();

        // The enrolment is committed to the ledger, then publishing fails and so does undoing it (the ledger went
        // down too): the change stays in the journal, its key unused by any template.
        var store = new FailingTemplateStore(fixture.Store);
        var crashed = fixture.Wire(fixture.KeyHolder, store, fixture.CaptureKeys, new AuditTrail(new FailingStore(fixture.Governance.Store, failAfter: 1), fixture.Governance.Ledger));
        await Assert.ThrowsAsync<IOException>(() => crashed.OnboardAsync(subject, faces.Capture(faces.Identity()), Ct));
        var key = Assert.Single(fixture.CaptureKeys.KeysOf(subject));
        Assert.Null(await fixture.Store.FindAsync(subject, Ct));
        Assert.Contains(await EntriesAsync(subject), e => e.Action == AuditAction.Create && e.Reference == key);

        // While another process holds the subject's lock, as a live process does mid-change, recovery skips the change.
        var journal = new EnrolmentJournal(fixture.CaptureKeys.Folder);
        await using (await LockHolder.StartAsync(journal.LockPathOf(subject), Ct))
        {
            Assert.Equal(0, (await fixture.Verification.RecoverAsync(Ct)).Changes);
            Assert.Equal(StoredKeyState.Active, fixture.CaptureKeys.StateOf(key));
        }

        Assert.Equal(1, (await fixture.Verification.RecoverAsync(Ct)).Changes);
        Assert.Equal(StoredKeyState.Destroyed, fixture.CaptureKeys.StateOf(key));
        Assert.DoesNotContain(journal.Pending(), c => c.Parts.Any(p => p.SubjectId == subject));
        Assert.Contains(await EntriesAsync(subject), e => e.Actor == "svc:biometric-recovery" && e.Action == AuditAction.Delete && e.To == "recovery" && e.Reference == key);
        Assert.True((await fixture.Governance.LedgerService.VerifyAsync(null, null, Ct)).Intact);
    }

    private async Task<List<AuditEvent>> EntriesAsync(string subject)
    {
        var events = new List<AuditEvent>();
        for (long from = 0; ; from += LedgerService.MaxPageSize)
        {
            var page = (await fixture.Governance.LedgerService.GetEntriesAsync(from, LedgerService.MaxPageSize, Ct)).Value!;
            events.AddRange(page.Select(e => e.Event).Where(e => e.Subject?.ToString() == subject));
            if (page.Count < LedgerService.MaxPageSize)
            {
                return events;
            }
        }
    }

    private async Task WithdrawAsync(string subject) =>
        Assert.True((await fixture.Governance.Governance.WithdrawConsentAsync(GovernanceFixture.Admin, SubjectId.Parse(subject), SamplePurposes.IdentityVerification.Id, Ct)).Succeeded);

    private async Task ConsentAsync(string subject) =>
        Assert.True((await fixture.Governance.Governance.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(SubjectId.Parse(subject), SamplePurposes.IdentityVerification.Id, "notice-v2", true, "mobile-app"), Ct)).Succeeded);

    /// <summary>The governance store with every write after the first <c>failAfter</c> failing, as a ledger that goes down.</summary>
    private sealed class FailingStore(IGovernanceStore inner, int failAfter) : IGovernanceStore
    {
        private int _writes;

        public Task<T> ReadAsync<T>(Func<IGovernanceSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken) => inner.ReadAsync(work, cancellationToken);

        public Task<T> WriteAsync<T>(Func<IGovernanceSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _writes) > failAfter ? throw new IOException("The ledger is down.") : inner.WriteAsync(work, cancellationToken);
    }

    /// <summary>A template store whose saves fail (the storage role is unreachable); everything else goes through.</summary>
    private sealed class FailingTemplateStore(ITemplateStore inner) : ITemplateStore
    {
        public Task SaveAsync(SealedTemplate sealedTemplate, CancellationToken cancellationToken) => throw new IOException("Storage is unreachable.");

        public Task<SealedTemplate?> FindAsync(string subjectId, CancellationToken cancellationToken) => inner.FindAsync(subjectId, cancellationToken);

        public Task<IReadOnlyList<string>> ListSubjectsAsync(CancellationToken cancellationToken) => inner.ListSubjectsAsync(cancellationToken);

        public Task<bool> DeleteAsync(string subjectId, string enrolmentId, CancellationToken cancellationToken) => inner.DeleteAsync(subjectId, enrolmentId, cancellationToken);
    }
}
