using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Roles;

namespace Obscura.Biometrics.Tests;

/// <summary>
/// Provider-key rotation by key switching: templates move to new encryption and sealing keys on ciphertexts only,
/// keep verifying, and the old keys are destroyed. Each test uses its own provider, so the shared one is untouched.
/// </summary>
[Collection(VerificationCollection.Name)]
public sealed class KeyRotationTests(VerificationFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(SlowTests.Category, SlowTests.Slow)]
    public async Task Rotation_moves_every_genuine_template_to_new_keys_and_destroys_the_old_ones()
    {
        var store = new InMemoryTemplateStore();
        using var verification = fixture.Wire(fixture.OpenKeyHolder("rotating-bank"), store);
        var keyHolder = verification.LocalKeyHolder!;
        var old = keyHolder.Provider;
        var faces = new SyntheticFaces(512, 31);
        var (ann, ben, cat) = (faces.Identity(), faces.Identity(), faces.Identity());
        var (a, b, c) = (await fixture.ConsentingSubjectAsync(), await fixture.ConsentingSubjectAsync(), await fixture.ConsentingSubjectAsync());
        await verification.OnboardAsync(a, faces.Capture(ann), Ct);
        await verification.OnboardAsync(b, faces.Capture(ben), Ct);
        var tampered = await verification.OnboardAsync(c, faces.Capture(cat), Ct);
        var flipped = (byte[])tampered.Ciphertext.Clone();
        flipped[200] ^= 4;
        await store.SaveAsync(tampered with { Ciphertext = flipped }, Ct);

        // A rotation begun (and interrupted) still verifies templates under the previous keys, then resumes with the same new keys.
        var begun = await keyHolder.BeginRotationAsync(Ct);
        Assert.Equal(old.EncryptionKeyId, begun.Previous!.EncryptionKeyId);
        Assert.True((await verification.VerifyAsync(a, faces.Capture(ann), Ct)).IsMatch);
        var report = await verification.RotateProviderKeysAsync(null, Ct);
        Assert.Equal(new KeyRotationReport(begun.Current.EncryptionKeyId, begun.Current.SealingKeyId, Switched: 2, Unchanged: 0, Broken: 1, Expired: 0), report);

        var now = keyHolder.Provider;
        Assert.False(now.Rotating);
        Assert.Equal(report.EncryptionKeyId, now.EncryptionKeyId);
        Assert.False(keyHolder.Keys.IsActive(old.EncryptionKeyId));
        Assert.False(keyHolder.Keys.IsActive(old.SealingKeyId));
        await Assert.ThrowsAsync<Keys.KeyRevokedException>(() => keyHolder.GetRotationKeyAsync(old.EncryptionKeyId, now.EncryptionKeyId, Ct));
        Assert.All([(await store.FindAsync(a, Ct))!, (await store.FindAsync(b, Ct))!], t => Assert.Equal((now.EncryptionKeyId, now.SealingKeyId), (t.EncryptionKeyId, t.SealingKeyId)));

        Assert.True((await verification.VerifyAsync(a, faces.Capture(ann), Ct)).IsMatch);
        Assert.True((await verification.VerifyAsync(b, faces.Capture(ben), Ct)).IsMatch);
        Assert.False((await verification.VerifyAsync(a, faces.Capture(ben), Ct)).IsMatch);
        Assert.Equal(VerificationRefusal.KeyRevoked, (await verification.VerifyAsync(c, faces.Capture(cat), Ct)).Refusal);

        // A second rotation chains; new enrolments go under the newest keys.
        var second = await verification.RotateProviderKeysAsync(null, Ct);
        Assert.Equal(2, second.Switched);
        Assert.Equal(1, second.Unchanged);
        Assert.True((await verification.VerifyAsync(a, faces.Capture(ann), Ct)).IsMatch);
        Assert.Equal(second.EncryptionKeyId, (await verification.OnboardAsync(c, faces.Capture(cat), Ct)).EncryptionKeyId);
        Assert.True((await verification.VerifyAsync(c, faces.Capture(cat), Ct)).IsMatch);
    }

    [Fact]
    public async Task The_key_holder_seals_only_under_its_current_key()
    {
        using var keyHolder = fixture.OpenKeyHolder("sealing-bank");
        var request = new SealRequest("enr_1", "someone", "ttk_1", keyHolder.Provider.EncryptionKeyId, DateTimeOffset.UtcNow, new byte[32]);
        Assert.Equal(64, (await keyHolder.SealAsync(request, Ct)).Length);
        await Assert.ThrowsAsync<Keys.KeyRevokedException>(() => keyHolder.SealAsync(request with { EncryptionKeyId = "hek_other" }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => keyHolder.SealAsync(request with { CiphertextSha256 = new byte[31] }, Ct));
        using var channel = new Decisions.DecisionChannel();
        await Assert.ThrowsAsync<Keys.KeyRevokedException>(() => keyHolder.IssueDecisionTicketAsync(new Decisions.DecisionTicketRequest("someone", "enr_1", "hek_other", channel.PublicKey), "capture", Ct));
    }
}
