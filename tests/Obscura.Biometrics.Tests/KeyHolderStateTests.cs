using Microsoft.Data.Sqlite;
using Obscura.Biometrics.Roles;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Tests;

/// <summary>
/// Issue 12, findings 6 and 7: the key holder's budget and policy are authenticated state in its own database, and a
/// key's flooding policy is calibrated when the key is created, never on a decision.
/// </summary>
[Collection(VerificationCollection.Name)]
public sealed class KeyHolderStateTests(VerificationFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_new_key_is_calibrated_when_it_is_created_and_no_decision_calibrates()
    {
        var calibrations = 0;
        NoiseFloodingPolicy Counted(CkksSecretKey secret)
        {
            Interlocked.Increment(ref calibrations);
            return VerificationFixture.FixedPolicy(50)(secret);
        }

        var store = new InMemoryTemplateStore();
        using var verification = fixture.Wire(fixture.OpenKeyHolder("fresh-bank", new NoiseFloodingPolicyChoice(MaxDecryptions: 50), calibrate: Counted), store);
        Assert.Equal(1, calibrations);
        var faces = new SyntheticFaces(128, 51);
        var face = faces.Identity();
        var subject = await fixture.ConsentingSubjectAsync();
        await verification.OnboardAsync(subject, faces.Capture(face), Ct);
        Assert.True((await verification.VerifyAsync(subject, faces.Capture(face), Ct)).IsMatch);
        Assert.Equal(1, calibrations);

        // After a restart the stored policy serves the first decision.
        using (var restarted = fixture.Wire(fixture.OpenKeyHolder("fresh-bank", new NoiseFloodingPolicyChoice(MaxDecryptions: 50), calibrate: Counted), store))
        {
            Assert.True((await restarted.VerifyAsync(subject, faces.Capture(face), Ct)).IsMatch);
        }

        Assert.Equal(1, calibrations);

        // A rotation's new key is calibrated when the rotation creates it, before any decision under it.
        await verification.RotateProviderKeysAsync(null, Ct);
        Assert.Equal(2, calibrations);
        Assert.True((await verification.VerifyAsync(subject, faces.Capture(face), Ct)).IsMatch);
        Assert.Equal(2, calibrations);
    }

    [Fact]
    public async Task Deleting_or_altering_the_decision_state_refuses_decisions_instead_of_resetting_the_count()
    {
        var store = new InMemoryTemplateStore();
        var keyHolder = fixture.OpenKeyHolder("tamper-bank", new NoiseFloodingPolicyChoice(MaxDecryptions: 50), calibrate: VerificationFixture.FixedPolicy(50));
        var verification = fixture.Wire(keyHolder, store);
        var faces = new SyntheticFaces(128, 52);
        var face = faces.Identity();
        var subject = await fixture.ConsentingSubjectAsync();
        await verification.OnboardAsync(subject, faces.Capture(face), Ct);
        Assert.True((await verification.VerifyAsync(subject, faces.Capture(face), Ct)).IsMatch);
        var key = keyHolder.Provider.EncryptionKeyId;
        Assert.Equal(1, keyHolder.Report().Keys.Single(k => k.EncryptionKeyId == key).Used);
        var path = keyHolder.DecisionStatePath;

        void Sql(string statement)
        {
            using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = statement;
            command.ExecuteNonQuery();
        }

        async Task<string> RefusedAsync() => (await Assert.ThrowsAsync<InvalidDataException>(() => verification.VerifyAsync(subject, faces.Capture(face), Ct))).Message;

        // Setting the count back, or raising the budget, breaks the row's MAC.
        Sql("UPDATE key_state SET used = 0");
        Assert.Contains("fails authentication", await RefusedAsync(), StringComparison.Ordinal);
        Sql("UPDATE key_state SET used = 1");
        Assert.True((await verification.VerifyAsync(subject, faces.Capture(face), Ct)).IsMatch);
        Sql("UPDATE key_state SET max_decryptions = 1000000");
        Assert.Contains("fails authentication", await RefusedAsync(), StringComparison.Ordinal);
        Sql("UPDATE key_state SET max_decryptions = 50");

        // A row copied from another key does not verify under this key's id.
        Sql($"INSERT INTO key_state SELECT 'hek_copy', error_bound, max_decryptions, security_bits, 0, mac FROM key_state WHERE key_id = '{key}'");
        using (var state = Decisions.KeyHolderState.Open(fixture.KeyHolderFolder("tamper-bank"), keyHolder.Keys, new Decisions.DecisionLimits(), TimeProvider.System))
        {
            Assert.Throws<InvalidDataException>(() => state.Used("hek_copy"));
        }

        // Deleting the database (with the key holder down) starts no new count: the key has no state, so it decides nothing.
        verification.Dispose();
        foreach (var file in Directory.EnumerateFiles(fixture.KeyHolderFolder("tamper-bank"), "state.db*"))
        {
            File.Delete(file);
        }

        using var reopened = fixture.OpenKeyHolder("tamper-bank", new NoiseFloodingPolicyChoice(MaxDecryptions: 50), calibrate: VerificationFixture.FixedPolicy(50));
        verification = fixture.Wire(reopened, store);
        Assert.Contains("is missing", await RefusedAsync(), StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => reopened.FloodingPolicy);
    }

    [Fact]
    public async Task Concurrent_decisions_from_two_key_holders_on_one_folder_each_count_once()
    {
        // Two key holders over one folder stand in for two processes here (the end-to-end tests use real processes).
        var store = new InMemoryTemplateStore();
        using var first = fixture.Wire(fixture.OpenKeyHolder("shared-bank", new NoiseFloodingPolicyChoice(MaxDecryptions: 100), calibrate: VerificationFixture.FixedPolicy(100)), store);
        using var second = fixture.Wire(fixture.OpenKeyHolder("shared-bank", new NoiseFloodingPolicyChoice(MaxDecryptions: 100), calibrate: VerificationFixture.FixedPolicy(100)), store);
        var faces = new SyntheticFaces(128, 53);
        var people = new List<(string Subject, float[] Face)>();
        for (var k = 0; k < 4; k++)
        {
            var face = faces.Identity();
            var subject = await fixture.ConsentingSubjectAsync();
            await first.OnboardAsync(subject, faces.Capture(face), Ct);
            people.Add((subject, face));
        }

        var probes = people.SelectMany(p => Enumerable.Range(0, 4).Select(_ => (p.Subject, Probe: faces.Capture(p.Face)))).ToArray();
        var results = await Task.WhenAll(probes.Select((p, i) => Task.Run(() => (i % 2 == 0 ? first : second).VerifyAsync(p.Subject, p.Probe, Ct), Ct)));
        Assert.All(results, r => Assert.True(r.IsMatch));
        Assert.Equal(16, first.LocalKeyHolder!.Report().Keys.Single(k => k.EncryptionKeyId == first.LocalKeyHolder.Provider.EncryptionKeyId).Used);
    }
}
