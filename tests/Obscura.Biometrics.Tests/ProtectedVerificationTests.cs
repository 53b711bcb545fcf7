using System.Reflection;
using Obscura.Biometrics.Decisions;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Roles;
using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.Homomorphic.Ckks;
using Obscura.TestSupport;

namespace Obscura.Biometrics.Tests;

/// <summary>
/// The flow tests share one <see cref="VerificationFixture"/>: key generation and calibration happen once for all of
/// them, not once per class (they then run one class after another).
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
    private readonly Lazy<NoiseFloodingPolicy> _defaultCalibration;

    public VerificationFixture()
    {
        CaptureKeys = CaptureKeyStore.Open(Path.Combine(_dir.Path, "capture"));

        // The shared key's own policy is not what the flow tests check; the calibration tests measure it once, below.
        KeyHolder = OpenKeyHolder("example-bank", new NoiseFloodingPolicyChoice(MaxDecryptions: 300, MaxDecisionNoise: 0.15), calibrate: FixedPolicy(300));
        _defaultCalibration = new Lazy<NoiseFloodingPolicy>(() =>
        {
            using var secret = ProviderKeys.OpenDecryptionKey(Provider.EncryptionKeyId);
            return DecisionKeyHolder.Calibrate(secret, maxDecryptions: null);
        });
        var purpose = Governance.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.IdentityVerification, CancellationToken.None).GetAwaiter().GetResult();
        Assert.True(purpose.Succeeded, purpose.Error?.Message);
        Verification = Wire(KeyHolder, Store);
    }

    /// <summary>
    /// A policy of the size calibrations measure (E = 2^76) without measuring it, for key holders whose tests do not
    /// depend on the bound (rotations create a key, and so a calibration, each time).
    /// </summary>
    public static Func<CkksSecretKey, NoiseFloodingPolicy> FixedPolicy(long maxDecryptions) => _ => new NoiseFloodingPolicy(Math.Pow(2, 76), maxDecryptions);

    /// <summary>A key holder for <paramref name="providerId"/> in its own folder (reopened if it exists).</summary>
    public KeyHolderService OpenKeyHolder(string providerId, NoiseFloodingPolicyChoice flooding, DecisionLimits? limits = null, Func<CkksSecretKey, NoiseFloodingPolicy>? calibrate = null) =>
        KeyHolderService.Open(KeyHolderFolder(providerId), new KeyHolderOptions(Attester.PublicKey)
        {
            ProviderId = providerId,
            Flooding = flooding,
            Limits = limits ?? new DecisionLimits(),
            Calibrate = calibrate,
            Clock = Governance.Clock,
        });

    /// <summary>
    /// The shared key calibrated as a new provider key is by default (32 trials, derived budget), computed once for the
    /// tests that check the calibration (it costs about 40 s of CPU).
    /// </summary>
    public NoiseFloodingPolicy DefaultCalibration => _defaultCalibration.Value;

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
    public async Task A_provider_key_stops_deciding_when_its_flooding_budget_is_spent()
    {
        using var verification = fixture.Wire(fixture.OpenKeyHolder("small-budget", new NoiseFloodingPolicyChoice(MaxDecryptions: 2, CalibrationTrials: 8)), new InMemoryTemplateStore());
        Assert.Equal(2, verification.LocalKeyHolder!.FloodingPolicy.MaxDecryptions);
        var faces = new SyntheticFaces(128, 16);
        var ivan = faces.Identity();
        var subject = await fixture.ConsentingSubjectAsync();
        await verification.OnboardAsync(subject, faces.Capture(ivan), Ct);
        Assert.True((await verification.VerifyAsync(subject, faces.Capture(ivan), Ct)).IsMatch);
        Assert.True((await verification.VerifyAsync(subject, faces.Capture(ivan), Ct)).IsMatch);
        Assert.Equal(VerificationRefusal.BudgetSpent, (await verification.VerifyAsync(subject, faces.Capture(ivan), Ct)).Refusal);
    }

    [Fact]
    public void A_key_keeps_the_flooding_policy_of_its_creation_across_restarts()
    {
        var first = fixture.KeyHolder.FloodingPolicy;
        Assert.Equal(300, first.MaxDecryptions);
        using var restarted = fixture.OpenKeyHolder("example-bank", new NoiseFloodingPolicyChoice(MaxDecryptions: 5));
        Assert.Equal(fixture.Provider, restarted.Provider);
        Assert.Equal(first.ErrorBound, restarted.FloodingPolicy.ErrorBound);
        Assert.Equal(first.MaxDecryptions, restarted.FloodingPolicy.MaxDecryptions);
        using var state = KeyHolderState.Open(fixture.KeyHolderFolder("example-bank"), restarted.Keys, new DecisionLimits(), TimeProvider.System);
        Assert.Throws<InvalidOperationException>(() => state.CreateKey(fixture.Provider.EncryptionKeyId, first));
    }

    [Fact]
    [Trait(SlowTests.Category, SlowTests.Slow)]
    public void The_derived_budget_keeps_decision_noise_within_bounds_and_a_larger_one_is_refused()
    {
        using var secret = fixture.ProviderKeys.OpenDecryptionKey(fixture.Provider.EncryptionKeyId);
        var policy = fixture.DefaultCalibration;
        var noise = DecisionKeyHolder.DecisionNoise(policy);
        TestContext.Current.TestOutputHelper?.WriteLine($"derived budget {policy.MaxDecryptions} decisions, decision noise {noise:F4}, E = 2^{Math.Log2(policy.ErrorBound):F1}");
        Assert.InRange(noise, 0, DecisionKeyHolder.DefaultMaxDecisionNoise);
        Assert.True(policy.MaxDecryptions >= 30, $"budget {policy.MaxDecryptions}");
        // 100 times the budget means 10 times the noise; a fresh calibration measures E again, but never 10 times lower
        // (with 8 trials its upper confidence bound on σ is looser, so E comes out higher still).
        Assert.Throws<ArgumentException>(() => DecisionKeyHolder.Calibrate(secret, maxDecryptions: policy.MaxDecryptions * 100, trials: 8));
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
        Type[] secrets = [typeof(CkksSecretKey), typeof(KeyManagementService), typeof(CaptureKeyStore), typeof(DecisionKeyHolder), typeof(TemplateSealer), typeof(Cancelable.TemplateTransformationKey), typeof(NoiseFloodingDecryptor), typeof(KeyHolderService), typeof(KeyHolderState), typeof(DecisionChannel)];
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

    [Fact]
    public async Task The_key_holder_learns_a_blinded_margin_not_the_score()
    {
        // Decrypting the comparison result directly (as a test with the secret key may) shows r·(score − t), r in 1…4.
        var faces = new SyntheticFaces(512, 14);
        var erin = faces.Identity();
        var subject = await fixture.ConsentingSubjectAsync();
        var referenceTemplate = faces.Capture(erin);
        var reference = await fixture.Verification.OnboardAsync(subject, referenceTemplate, Ct);
        var probeTemplate = faces.Capture(erin);
        var score = referenceTemplate.Similarity(probeTemplate);
        using var ttk = fixture.CaptureKeys.Open(reference.TransformationKeyId);
        var capture = new CaptureClient(fixture.Provider.EncryptionKeyId, fixture.ProviderKeys.OpenPublicKey(fixture.Provider.EncryptionKeyId));
        var probe = capture.EncryptProbe(Cancelable.CancelableTransform.Apply(ttk, probeTemplate), 0.5);
        var (relin, galois) = fixture.ProviderKeys.OpenEvaluationKeys(fixture.Provider.EncryptionKeyId);
        var comparison = new ComparisonService(fixture.Provider.EncryptionKeyId, fixture.ProviderKeys.OpenSealVerifier(fixture.Provider.SealingKeyId), relin, galois);
        using var secret = fixture.ProviderKeys.OpenDecryptionKey(fixture.Provider.EncryptionKeyId);
        var encryptor = new CkksEncryptor(ProtectedTemplateScheme.Parameters);
        var margins = Enumerable.Range(0, 12).Select(_ =>
        {
            var result = CkksSerializer.DeserializeCiphertext(comparison.Compare(reference, subject, probe), ProtectedTemplateScheme.Parameters);
            var slots = encryptor.Decode(encryptor.Decrypt(secret, result));
            Assert.True(slots.All(s => Math.Abs(s.Real - slots[0].Real) < 1e-6), "every slot holds the same value: no partial sums leak");
            return slots[0].Real;
        }).ToArray();

        // Each margin is r·(score − t) for some r in 1…4; which r varies from comparison to comparison.
        Assert.All(margins, m => Assert.Contains(Enumerable.Range(1, 4), r => Math.Abs(m - (r * (score - 0.5))) < 1e-4));
        Assert.True(margins.Select(m => Math.Round(m, 4)).Distinct().Count() > 1, "twelve draws of r from 1…4 are all equal with probability 4^-11");
        Assert.True(score > 0.5);
    }
}
