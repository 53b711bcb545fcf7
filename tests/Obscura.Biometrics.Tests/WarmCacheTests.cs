using Obscura.Biometrics.Decisions;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Roles;
using Obscura.TestSupport;

namespace Obscura.Biometrics.Tests;

/// <summary>
/// Issue 13: a verification service keeps unwrapped keys, deserialised evaluation keys and comparison services in
/// memory across requests. Two services over one folder stand in for two processes (a server and the CLI): what one of
/// them changes, the other's warm caches must not hide.
/// </summary>
[Collection(VerificationCollection.Name)]
public sealed class WarmCacheTests(VerificationFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_rotation_by_another_process_is_used_at_the_next_verification_and_the_retired_key_decides_nothing_more()
    {
        using var server = Open("rotated-elsewhere", out var serverStore);
        using var cli = Open("rotated-elsewhere", out _);
        var faces = new SyntheticFaces(128, 71);
        var (ada, bo) = (faces.Identity(), faces.Identity());
        var subject = await fixture.ConsentingSubjectAsync();
        var before = await server.OnboardAsync(subject, faces.Capture(ada), Ct);

        // Warm: this service now holds the key's decider (its unwrapped secret), comparison service and capture client.
        Assert.True((await server.VerifyAsync(subject, faces.Capture(ada), Ct)).IsMatch);

        // A decision under way when the rotation happens elsewhere: ticket issued and result attested under the old key.
        IKeyHolderRole keyHolder = server.LocalKeyHolder!;
        using var channel = new DecisionChannel();
        var ticket = await keyHolder.IssueDecisionTicketAsync(new DecisionTicketRequest(subject, before.EnrolmentId, before.EncryptionKeyId, channel.PublicKey), Ct);
        var galois = await DecisionOracleTests.AttackerKeysAsync(keyHolder, before.EncryptionKeyId);
        var late = fixture.Attester.Attest(ticket.Nonce, before, [1], DecisionOracleTests.Crafted(before, galois, 3, 0));

        var rotation = await cli.RotateProviderKeysAsync(null, Ct);
        Assert.Equal(1, rotation.Switched);
        await Assert.ThrowsAsync<KeyRevokedException>(() => keyHolder.DecideAsync(late, Ct));
        await Assert.ThrowsAsync<KeyRevokedException>(() => keyHolder.IssueDecisionTicketAsync(new DecisionTicketRequest(subject, before.EnrolmentId, before.EncryptionKeyId, channel.PublicKey), Ct));

        Assert.True((await server.VerifyAsync(subject, faces.Capture(ada), Ct)).IsMatch);
        Assert.False((await server.VerifyAsync(subject, faces.Capture(bo), Ct)).IsMatch);
        Assert.Equal(rotation.EncryptionKeyId, server.LocalKeyHolder!.Provider.EncryptionKeyId);
        var newcomer = await fixture.ConsentingSubjectAsync();
        Assert.Equal((rotation.EncryptionKeyId, rotation.SealingKeyId), await EnrolmentKeysAsync(server, newcomer, faces.Capture(bo)));

        // The template under the retired key, put back from a backup: the warm decider of that key must not decide it.
        await serverStore.SaveAsync(before, Ct);
        Assert.Equal(VerificationRefusal.KeyRevoked, (await server.VerifyAsync(subject, faces.Capture(ada), Ct)).Refusal);
    }

    [Fact]
    public async Task An_enrolment_revoked_by_another_process_is_refused_at_once_by_a_warm_service_even_with_its_template_put_back()
    {
        using var server = Open("revoked-elsewhere", out var serverStore);
        using var cli = Open("revoked-elsewhere", out _);
        var faces = new SyntheticFaces(128, 72);
        var cleo = faces.Identity();
        var subject = await fixture.ConsentingSubjectAsync();
        var enrolment = await server.OnboardAsync(subject, faces.Capture(cleo), Ct);
        Assert.True((await server.VerifyAsync(subject, faces.Capture(cleo), Ct)).IsMatch);

        Assert.True(await cli.RevokeEnrolmentAsync(subject, Ct));
        Assert.Equal(VerificationRefusal.NotEnrolled, (await server.VerifyAsync(subject, faces.Capture(cleo), Ct)).Refusal);

        // Its transformation key was destroyed in the capture store: no copy of it in memory brings the template back.
        await serverStore.SaveAsync(enrolment, Ct);
        Assert.Equal(VerificationRefusal.KeyRevoked, (await server.VerifyAsync(subject, faces.Capture(cleo), Ct)).Refusal);
    }

    [Fact]
    public async Task Two_processes_beginning_a_rotation_at_once_begin_one_and_the_other_resumes_it()
    {
        using var first = Open("begun-elsewhere", out _);
        using var second = Open("begun-elsewhere", out _);

        // Both start together; creating keys takes long enough that, unserialised, both would make their own.
        var both = await Task.WhenAll(Task.Run(() => first.LocalKeyHolder!.BeginRotationAsync(Ct), Ct), Task.Run(() => second.LocalKeyHolder!.BeginRotationAsync(Ct), Ct));
        var begun = both[0];
        Assert.Equal((begun.Current.EncryptionKeyId, begun.Current.SealingKeyId), (both[1].Current.EncryptionKeyId, both[1].Current.SealingKeyId));
        Assert.Equal(begun.Current.EncryptionKeyId, first.LocalKeyHolder!.Provider.EncryptionKeyId);
        await second.LocalKeyHolder!.CompleteRotationAsync(Ct);
        Assert.False(first.LocalKeyHolder.Provider.Rotating);
        Assert.False(first.LocalKeyHolder.Keys.IsActive(begun.Previous!.EncryptionKeyId));
    }

    /// <summary>A service of its own over the shared folders of <paramref name="providerId"/>: own key holder instance, own capture key store, own template store.</summary>
    private ProtectedFaceVerification Open(string providerId, out FileTemplateStore store)
    {
        var keyHolder = fixture.OpenKeyHolder(providerId);
        var captureKeys = CaptureKeyStore.Open(Path.Combine(_dir.Path, providerId, "capture"));
        store = new FileTemplateStore(Path.Combine(_dir.Path, providerId, "storage"));
        return new ProtectedFaceVerification(
            captureKeys,
            keyHolder,
            new ComparisonRole(keyHolder, keyHolder, fixture.Attester),
            store,
            new GovernanceConsentGate(fixture.Governance.Governance, SamplePurposes.IdentityVerification.Id),
            fixture.Audit,
            SamplePurposes.IdentityVerification.Id,
            threshold: 0.5,
            owned: [captureKeys]);
    }

    private static async Task<(string, string)> EnrolmentKeysAsync(ProtectedFaceVerification verification, string subject, Templates.FaceTemplate face)
    {
        var enrolment = await verification.OnboardAsync(subject, face, Ct);
        return (enrolment.EncryptionKeyId, enrolment.SealingKeyId);
    }
}
