using System.Reflection;
using Obscura.Biometrics.Decisions;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Roles;
using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.Homomorphic.Bgv;
using Obscura.TestSupport;

namespace Obscura.Biometrics.Tests;

/// <summary>
/// The flow tests share one <see cref="VerificationFixture"/>: key generation happens once for all of them, not once
/// per class (they then run one class after another).
/// </summary>
[CollectionDefinition(Name)]
public sealed class VerificationCollection : ICollectionFixture<VerificationFixture>
{
    public const string Name = "verification";
}

/// <summary>
/// One provider's keys, a governance core and the four roles in one process, shared by the flow tests. Each role has
/// its own keys: the capture side's store (<see cref="CaptureKeys"/>), the comparison role's attestation key, and each key
/// holder its own folder and master key. The key holders run on the governance fixture's manual clock.
/// </summary>
public sealed class VerificationFixture : IDisposable
{
    private readonly TempDirectory _dir = new();

    public VerificationFixture()
    {
        CaptureKeys = CaptureKeyStore.Open(Path.Combine(_dir.Path, "capture"));
        KeyHolder = OpenKeyHolder("example-bank");
        var purpose = Governance.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.IdentityVerification, CancellationToken.None).GetAwaiter().GetResult();
        Assert.True(purpose.Succeeded, purpose.Error?.Message);
        Verification = Wire(KeyHolder, Store);
    }

    /// <summary>A key holder for <paramref name="providerId"/> in its own folder (reopened if it exists).</summary>
    public KeyHolderService OpenKeyHolder(string providerId, DecisionLimits? limits = null) =>
        KeyHolderService.Open(KeyHolderFolder(providerId), new KeyHolderOptions(Attester.PublicKey)
        {
            ProviderId = providerId,
            Limits = limits ?? new DecisionLimits(),
            Clock = Governance.Clock,
        });

    /// <summary>The folder of <paramref name="providerId"/>'s key holder.</summary>
    public string KeyHolderFolder(string providerId) => Path.Combine(_dir.Path, "keyholder-" + providerId);

    /// <summary>The roles wired in one process around <paramref name="keyHolder"/> (the comparison role reaching its decisions through <paramref name="decisions"/> when given).</summary>
    public ProtectedFaceVerification Wire(KeyHolderService keyHolder, ITemplateStore store, IKeyHolderDecisions? decisions = null) => Wire(keyHolder, store, CaptureKeys, Audit, decisions);

    /// <summary>The roles wired around <paramref name="keyHolder"/>, with the given capture key store and ledger.</summary>
    public ProtectedFaceVerification Wire(KeyHolderService keyHolder, ITemplateStore store, CaptureKeyStore captureKeys, AuditTrail audit, IKeyHolderDecisions? decisions = null) =>
        new(
            captureKeys,
            keyHolder,
            new ComparisonRole(keyHolder, decisions ?? keyHolder, Attester),
            store,
            new GovernanceConsentGate(Governance.Governance, SamplePurposes.IdentityVerification.Id),
            audit,
            SamplePurposes.IdentityVerification.Id,
            threshold: 0.5);

    public AuditTrail Audit => new(Governance.Store, Governance.Ledger);

    public GovernanceFixture Governance { get; } = new();

    /// <summary>The capture side's transformation keys.</summary>
    public CaptureKeyStore CaptureKeys { get; }

    /// <summary>The comparison role's attestation key, pinned by every key holder of the fixture.</summary>
    public ComparisonAttester Attester { get; } = ComparisonAttester.Ephemeral();

    public KeyHolderService KeyHolder { get; }

    /// <summary>The shared key holder's own key store (provider keys), for tests that check what the roles compute.</summary>
    public KeyManagementService ProviderKeys => KeyHolder.Keys;

    public ProviderKeyIds Provider => KeyHolder.Provider;

    public InMemoryTemplateStore Store { get; } = new();

    public ProtectedFaceVerification Verification { get; }

    public async Task<string> ConsentingSubjectAsync()
    {
        var subject = (await Governance.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, null, CancellationToken.None)).Value!.Id;
        var consent = await Governance.Governance.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(subject, SamplePurposes.IdentityVerification.Id, "notice-v1", true, "mobile-app"), CancellationToken.None);
        Assert.True(consent.Succeeded, consent.Error?.Message);
        return subject.ToString();
    }

    public void Dispose()
    {
        Verification.Dispose();
        Attester.Dispose();
        CaptureKeys.Dispose();
        Governance.Dispose();
        _dir.Dispose();
    }
}

[Collection(VerificationCollection.Name)]
public sealed class ProtectedVerificationTests(VerificationFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_genuine_probe_matches_and_an_impostor_does_not()
    {
        var faces = new SyntheticFaces(512, 10);
        var alice = faces.Identity();
        var subject = await fixture.ConsentingSubjectAsync();
        var enrolment = await fixture.Verification.OnboardAsync(subject, faces.Capture(alice), Ct);
        Assert.Equal(subject, enrolment.SubjectId);

        Assert.True((await fixture.Verification.VerifyAsync(subject, faces.Capture(alice), Ct)).IsMatch);
        var impostor = await fixture.Verification.VerifyAsync(subject, faces.Capture(faces.Identity()), Ct);
        Assert.False(impostor.IsMatch);
        Assert.Null(impostor.Refusal);
    }

    [Fact]
    public async Task Every_step_is_in_the_audit_ledger_and_the_ledger_verifies()
    {
        var faces = new SyntheticFaces(128, 15);
        var frank = faces.Identity();
        var subject = await fixture.ConsentingSubjectAsync();
        var enrolment = await fixture.Verification.OnboardAsync(subject, faces.Capture(frank), Ct);
        await fixture.Verification.VerifyAsync(subject, faces.Capture(frank), Ct);
        await fixture.Verification.RevokeEnrolmentAsync(enrolment, Ct);
        await fixture.Verification.VerifyAsync(subject, faces.Capture(frank), Ct);

        var entries = (await fixture.Governance.LedgerService.GetEntriesAsync(0, 1000, Ct)).Value!
            .Where(e => e.Event.Subject?.ToString() == subject && e.Event.Actor == "svc:protected-verification")
            .Select(e => (e.Event.Action, e.Event.DataCategory.ToString(), e.Event.To, e.Event.From))
            .ToArray();
        Assert.Equal(
            [
                (AuditAction.Create, "template-transformation-key", "capture:keys", "capture"),
                (AuditAction.Create, "biometric-template", "store:templates", "capture"),
                (AuditAction.Read, "biometric-template", "svc:comparison/verified", "store:templates"),
                (AuditAction.Delete, "template-transformation-key", "revocation", "capture:keys"),
                (AuditAction.Delete, "biometric-template", "revocation", "store:templates"),
            ],
            entries);
        Assert.True((await fixture.Governance.LedgerService.VerifyAsync(null, null, Ct)).Intact);
    }

    [Fact]
    public async Task A_key_counts_its_decisions_and_no_budget_stops_them()
    {
        using var keyHolder = fixture.OpenKeyHolder("counting-bank");
        using var verification = fixture.Wire(keyHolder, new InMemoryTemplateStore());
        var faces = new SyntheticFaces(128, 16);
        var ivan = faces.Identity();
        var subject = await fixture.ConsentingSubjectAsync();
        await verification.OnboardAsync(subject, faces.Capture(ivan), Ct);
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await verification.VerifyAsync(subject, faces.Capture(ivan), Ct)).IsMatch);
        }

        Assert.Equal(3, keyHolder.DecisionCount);
        Assert.Equal(3, Assert.Single(keyHolder.Report().Keys).Decisions);

        // The state is created with the key and kept for life: a second state for the same key is refused.
        using var state = KeyHolderState.Open(fixture.KeyHolderFolder("counting-bank"), keyHolder.Keys, new DecisionLimits(), TimeProvider.System);
        Assert.Throws<InvalidOperationException>(() => state.CreateKey(keyHolder.Provider.EncryptionKeyId));
    }

    [Fact]
    public async Task Revoking_the_transformation_key_makes_the_enrolment_useless()
    {
        var faces = new SyntheticFaces(256, 11);
        var bob = faces.Identity();
        var subject = await fixture.ConsentingSubjectAsync();
        var enrolment = await fixture.Verification.OnboardAsync(subject, faces.Capture(bob), Ct);
        await fixture.Verification.RevokeEnrolmentAsync(enrolment, Ct);
        Assert.Equal(Security.Keys.StoredKeyState.Destroyed, fixture.CaptureKeys.StateOf(enrolment.TransformationKeyId));
        Assert.Null(await fixture.Store.FindAsync(subject, Ct));
        Assert.Equal(VerificationRefusal.NotEnrolled, (await fixture.Verification.VerifyAsync(subject, faces.Capture(bob), Ct)).Refusal);

        // Storage puts the revoked template back: it is sealed, but its key is gone.
        await fixture.Store.SaveAsync(enrolment, Ct);
        Assert.Equal(VerificationRefusal.KeyRevoked, (await fixture.Verification.VerifyAsync(subject, faces.Capture(bob), Ct)).Refusal);

        // Renewal: a new enrolment under a fresh key works again.
        await fixture.Verification.OnboardAsync(subject, faces.Capture(bob), Ct);
        Assert.True((await fixture.Verification.VerifyAsync(subject, faces.Capture(bob), Ct)).IsMatch);
    }

    [Fact]
    public async Task A_tampered_or_swapped_template_is_refused_for_its_broken_seal()
    {
        var faces = new SyntheticFaces(128, 12);
        var carol = faces.Identity();
        var mallory = faces.Identity();
        var victim = await fixture.ConsentingSubjectAsync();
        var attacker = await fixture.ConsentingSubjectAsync();
        var genuine = await fixture.Verification.OnboardAsync(victim, faces.Capture(carol), Ct);
        var attackers = await fixture.Verification.OnboardAsync(attacker, faces.Capture(mallory), Ct);

        // Storage flips one byte of the ciphertext.
        var flipped = (byte[])genuine.Ciphertext.Clone();
        flipped[100] ^= 1;
        await fixture.Store.SaveAsync(genuine with { Ciphertext = flipped }, Ct);
        Assert.Equal(VerificationRefusal.BrokenSeal, (await fixture.Verification.VerifyAsync(victim, faces.Capture(carol), Ct)).Refusal);

        // Storage puts the attacker's (validly sealed) template under the victim, hoping the attacker's face passes.
        await fixture.Store.SaveAsync(attackers with { SubjectId = victim }, Ct);
        Assert.Equal(VerificationRefusal.BrokenSeal, (await fixture.Verification.VerifyAsync(victim, faces.Capture(mallory), Ct)).Refusal);

        await fixture.Store.SaveAsync(genuine, Ct);
        Assert.True((await fixture.Verification.VerifyAsync(victim, faces.Capture(carol), Ct)).IsMatch);
    }

    [Fact]
    public async Task Withdrawn_consent_blocks_verification_and_onboarding()
    {
        var faces = new SyntheticFaces(256, 13);
        var dave = faces.Identity();
        var subject = await fixture.ConsentingSubjectAsync();
        await fixture.Verification.OnboardAsync(subject, faces.Capture(dave), Ct);
        var withdrawn = await fixture.Governance.Governance.WithdrawConsentAsync(GovernanceFixture.Admin, Governance.Subjects.SubjectId.Parse(subject), SamplePurposes.IdentityVerification.Id, Ct);
        Assert.True(withdrawn.Succeeded);
        Assert.Equal(VerificationRefusal.NoConsent, (await fixture.Verification.VerifyAsync(subject, faces.Capture(dave), Ct)).Refusal);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => fixture.Verification.OnboardAsync(subject, faces.Capture(dave), Ct));
        Assert.Equal(VerificationRefusal.NotEnrolled, (await fixture.Verification.VerifyAsync(await fixture.ConsentingSubjectAsync(), faces.Capture(dave), Ct)).Refusal);
    }

    [Fact]
    public void The_comparison_and_storage_roles_hold_no_secret_by_construction()
    {
        // Nothing that could decrypt, unwrap, seal or transform may reach these types: not as a field, not through a constructor.
        Type[] secrets = [typeof(BgvSecretKey), typeof(BgvDecryptor), typeof(Homomorphic.Ckks.CkksSecretKey), typeof(KeyManagementService), typeof(CaptureKeyStore), typeof(DecisionKeyHolder), typeof(TemplateSealer), typeof(Cancelable.TemplateTransformationKey), typeof(KeyHolderService), typeof(KeyHolderState), typeof(DecisionChannel)];
        foreach (var role in new[] { typeof(ComparisonService), typeof(ComparisonRole), typeof(InMemoryTemplateStore), typeof(FileTemplateStore), typeof(CaptureClient) })
        {
            var fields = role.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public).Select(f => f.FieldType);
            var parameters = role.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.ParameterType);
            Assert.DoesNotContain(fields.Concat(parameters), t => secrets.Any(s => s.IsAssignableFrom(t)));
        }

        // The comparison role reaches the key holder only through IProviderPublicKeys, whose methods return public material.
        Assert.All(typeof(IProviderPublicKeys).GetMethods(), m => Assert.Contains(m.ReturnType, new[] { typeof(Task<ProviderPublicMaterial>), typeof(Task<EvaluationKeyMaterial>), typeof(Task<byte[]>) }));

        // …and reaches its decisions only through IKeyHolderDecisions, which answers with a decision encrypted to the capture side.
        Assert.All(typeof(IKeyHolderDecisions).GetMethods(), m => Assert.Equal(typeof(Task<SealedDecision>), m.ReturnType));
    }
}
