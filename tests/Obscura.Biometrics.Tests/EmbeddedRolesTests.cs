using Obscura.Biometrics.Decisions;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Roles;
using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.TestSupport;

namespace Obscura.Biometrics.Tests;

/// <summary>
/// Issue 12, finding 3: the embedded default keeps each role's keys in its own folder under its own master key, as a
/// separated deployment does; and the embedded key holder's refusals reach the audit ledger.
/// </summary>
public sealed class EmbeddedRolesTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly GovernanceFixture _governance = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Folder => Path.Combine(_dir.Path, "biometrics");

    public void Dispose()
    {
        _governance.Dispose();
        _dir.Dispose();
    }

    [Fact]
    [Trait(SlowTests.Category, SlowTests.Slow)]
    public async Task Each_role_keeps_its_own_keys_in_its_own_folder_and_the_key_holder_records_refusals_in_the_ledger()
    {
        Assert.True((await _governance.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.IdentityVerification, Ct)).Succeeded);
        var subject = (await _governance.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, null, Ct)).Value!.Id;
        Assert.True((await _governance.Governance.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(subject, SamplePurposes.IdentityVerification.Id, "v1", true, "app"), Ct)).Succeeded);
        var audit = new AuditTrail(_governance.Store, _governance.Ledger);
        var faces = new SyntheticFaces(128, 61);
        var face = faces.Identity();
        SealedTemplateIds ids;
        using (var verification = ProtectedVerificationHost.Open(Folder, _governance.Governance, audit, 0.5))
        {
            var reference = await verification.OnboardAsync(subject.ToString(), faces.Capture(face), Ct);
            Assert.True((await verification.VerifyAsync(subject.ToString(), faces.Capture(face), Ct)).IsMatch);
            ids = new SealedTemplateIds(reference.TransformationKeyId, reference.EncryptionKeyId, reference.SealingKeyId);

            // A caller without the comparison role's key is refused, and the refusal is in the ledger as well as the key holder's state.
            IKeyHolderRole keyHolder = verification.LocalKeyHolder!;
            using var channel = new DecisionChannel();
            using var stranger = ComparisonAttester.Ephemeral();
            var ticket = await keyHolder.IssueDecisionTicketAsync(new DecisionTicketRequest(subject.ToString(), reference.EnrolmentId, reference.EncryptionKeyId, channel.PublicKey), Ct);
            var refused = await Assert.ThrowsAsync<DecisionRefusedException>(() => keyHolder.DecideAsync(stranger.Attest(ticket.Nonce, reference, [1], [1]), Ct));
            Assert.Equal(DecisionRefusal.BadAttestation, refused.Reason);
        }

        var entries = (await _governance.LedgerService.GetEntriesAsync(0, 1000, Ct)).Value!;
        Assert.Contains(entries, e => e.Event.Actor == "svc:key-holder" && e.Event.To == "kms:decision/refused-bad-attestation" && e.Event.Subject == subject);
        var report = ProtectedVerificationHost.ReadDecisionReport(Folder);
        Assert.Equal(1, report.Keys.Single(k => k.EncryptionKeyId == ids.EncryptionKeyId).Decisions);
        Assert.Contains(report.Events, e => e.Kind == "refused-bad-attestation");

        string[] Files(string role) => [.. Directory.EnumerateFiles(Path.Combine(Folder, role), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Path.Combine(Folder, role), f))];
        Assert.Equal(["capture", "comparison", "keyholder", "storage"], Directory.EnumerateDirectories(Folder).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal));

        // The capture side's store: its shredding key store (keys.db, its KEKs), its subject locks and journal; the
        // transformation key is there and nowhere else.
        Assert.All(Files("capture"), f => Assert.True(f.StartsWith("keys.db", StringComparison.Ordinal) || f.StartsWith("kek", StringComparison.Ordinal) || f.StartsWith("locks", StringComparison.Ordinal) || f.StartsWith("pending", StringComparison.Ordinal), f));
        using (var captureKeys = CaptureKeyStore.Open(Path.Combine(Folder, "capture")))
        {
            Assert.True(captureKeys.IsActive(ids.TransformationKeyId));
        }

        // The key holder's store: its own master key, provider keys, provider.json and its decision state; no transformation key.
        Assert.Contains("master.key", Files("keyholder"));
        Assert.Contains(Files("keyholder"), f => f.StartsWith(ids.EncryptionKeyId, StringComparison.Ordinal));
        Assert.Contains(Files("keyholder"), f => f.StartsWith(ids.SealingKeyId, StringComparison.Ordinal));
        Assert.DoesNotContain(Files("keyholder"), f => f.StartsWith("ttk_", StringComparison.Ordinal));
        var captureKeks = Directory.GetFiles(Path.Combine(Folder, "capture", "kek")).Select(File.ReadAllBytes).ToList();
        Assert.NotEmpty(captureKeks);
        var keyHolderMaster = await File.ReadAllBytesAsync(Path.Combine(Folder, "keyholder", "master.key"), Ct);
        Assert.DoesNotContain(captureKeks, kek => kek.AsSpan().SequenceEqual(keyHolderMaster));

        // The comparison role: its attestation key store only. Storage: sealed templates only, no key.
        Assert.All(Files("comparison"), f => Assert.True(f.StartsWith("keys.db", StringComparison.Ordinal) || f.StartsWith("kek", StringComparison.Ordinal), f));
        Assert.Contains("keys.db", Files("comparison"));
        Assert.All(Files("storage"), f => Assert.True(f.EndsWith(".json", StringComparison.Ordinal) || f == "store.lock", f));
        Assert.Single(Files("storage"), f => f.EndsWith(".json", StringComparison.Ordinal));
        Assert.Empty(FileModes.WiderThanOwnerOnly(Folder));

        // A wrapped provider key does not open under another store's key: copied into a fresh key store it is refused.
        var elsewhere = Path.Combine(_dir.Path, "elsewhere");
        using (var other = KeyManagementService.Open(elsewhere))
        {
            File.Copy(Path.Combine(Folder, "keyholder", ids.EncryptionKeyId + ".json"), Path.Combine(elsewhere, ids.EncryptionKeyId + ".json"));
            Assert.Throws<InvalidDataException>(() => other.OpenDecryptionKey(ids.EncryptionKeyId));
        }
    }

    [Fact]
    public void A_folder_in_the_earlier_layout_with_one_key_store_for_every_role_is_refused_clearly()
    {
        Directory.CreateDirectory(Folder);
        File.WriteAllText(Path.Combine(Folder, "provider.json"), "{}");
        var audit = new AuditTrail(_governance.Store, _governance.Ledger);
        var error = Assert.Throws<InvalidOperationException>(() => ProtectedVerificationHost.Open(Folder, _governance.Governance, audit, 0.5));
        Assert.Contains("keyholder/", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Folder, "keyholder")));
    }

    private sealed record SealedTemplateIds(string TransformationKeyId, string EncryptionKeyId, string SealingKeyId);
}
