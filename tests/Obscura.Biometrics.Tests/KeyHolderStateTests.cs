using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Obscura.Biometrics.Decisions;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Roles;

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
    public async Task A_new_key_has_its_keys_and_state_when_it_is_created_and_a_decision_creates_nothing()
    {
        var store = new InMemoryTemplateStore();
        using var verification = fixture.Wire(fixture.OpenKeyHolder("fresh-bank"), store);
        var keyHolder = verification.LocalKeyHolder!;
        var folder = fixture.KeyHolderFolder("fresh-bank");
        string[] Files() => [.. Directory.EnumerateFiles(folder).Where(f => !f.Contains("state.db", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        var created = Files();
        Assert.Equal(0, Assert.Single(keyHolder.Report().Keys).Decisions);
        var faces = new SyntheticFaces(128, 51);
        var face = faces.Identity();
        var subject = await fixture.ConsentingSubjectAsync();
        await verification.OnboardAsync(subject, faces.Capture(face), Ct);
        Assert.True((await verification.VerifyAsync(subject, faces.Capture(face), Ct)).IsMatch);
        Assert.Equal(created, Files());

        // A rotation's new key gets its keys and state when the rotation creates it, before any decision under it.
        await verification.RotateProviderKeysAsync(null, Ct);
        Assert.Contains(keyHolder.Report().Keys, k => k.EncryptionKeyId == keyHolder.Provider.EncryptionKeyId && k.Decisions == 0);
        Assert.True((await verification.VerifyAsync(subject, faces.Capture(face), Ct)).IsMatch);
    }

    [Fact]
    public async Task Deleting_or_altering_the_decision_state_refuses_decisions_instead_of_resetting_the_count()
    {
        var store = new InMemoryTemplateStore();
        var keyHolder = fixture.OpenKeyHolder("tamper-bank");
        var verification = fixture.Wire(keyHolder, store);
        var faces = new SyntheticFaces(128, 52);
        var face = faces.Identity();
        var subject = await fixture.ConsentingSubjectAsync();
        await verification.OnboardAsync(subject, faces.Capture(face), Ct);
        Assert.True((await verification.VerifyAsync(subject, faces.Capture(face), Ct)).IsMatch);
        var key = keyHolder.Provider.EncryptionKeyId;
        Assert.Equal(1, keyHolder.Report().Keys.Single(k => k.EncryptionKeyId == key).Decisions);
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

        // Setting the count back breaks the row's MAC.
        Sql("UPDATE key_decisions SET decisions = 0");
        Assert.Contains("fails authentication", await RefusedAsync(), StringComparison.Ordinal);
        Sql("UPDATE key_decisions SET decisions = 1");
        Assert.True((await verification.VerifyAsync(subject, faces.Capture(face), Ct)).IsMatch);

        // A row copied from another key does not verify under this key's id.
        Sql($"INSERT INTO key_decisions SELECT 'hek_copy', decisions, mac FROM key_decisions WHERE key_id = '{key}'");
        using (var state = Decisions.KeyHolderState.Open(fixture.KeyHolderFolder("tamper-bank"), keyHolder.Keys, new Decisions.DecisionLimits(), TimeProvider.System))
        {
            Assert.Throws<InvalidDataException>(() => state.Decisions("hek_copy"));
        }

        // Deleting the database (with the key holder down) starts no new count: the key has no state, so it decides nothing.
        verification.Dispose();
        foreach (var file in Directory.EnumerateFiles(fixture.KeyHolderFolder("tamper-bank"), "state.db*"))
        {
            File.Delete(file);
        }

        using var reopened = fixture.OpenKeyHolder("tamper-bank");
        verification = fixture.Wire(reopened, store);
        Assert.Contains("is missing", await RefusedAsync(), StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => reopened.DecisionCount);
    }

    [Fact]
    public async Task Concurrent_decisions_from_two_key_holders_on_one_folder_each_count_once()
    {
        // Two key holders over one folder stand in for two processes here (the end-to-end tests use real processes).
        var store = new InMemoryTemplateStore();
        using var first = fixture.Wire(fixture.OpenKeyHolder("shared-bank"), store);
        using var second = fixture.Wire(fixture.OpenKeyHolder("shared-bank"), store);
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
        Assert.Equal(16, first.LocalKeyHolder!.Report().Keys.Single(k => k.EncryptionKeyId == first.LocalKeyHolder.Provider.EncryptionKeyId).Decisions);
    }

    [Fact]
    public async Task Two_key_holders_on_one_folder_racing_one_ticket_answer_it_once()
    {
        // A second key holder over the shared folder stands in for a second process (SQLite's lock is the file's); the
        // ticket is used in the decision's own write transaction, so of two racing decisions exactly one is answered.
        var (subject, reference) = await EnrolledAsync(56);
        var result = await ResultAsync(reference);
        using var second = fixture.OpenKeyHolder("example-bank");
        IKeyHolderDecisions[] keyHolders = [fixture.KeyHolder, second];
        for (var round = 0; round < 3; round++)
        {
            using var channel = new DecisionChannel();
            var ticket = await ((IKeyHolderRole)fixture.KeyHolder).IssueDecisionTicketAsync(new DecisionTicketRequest(subject, reference.EnrolmentId, reference.EncryptionKeyId, channel.PublicKey), Ct);
            var comparison = fixture.Attester.Attest(ticket.Nonce, reference, [1], result);
            var outcomes = await Task.WhenAll(keyHolders.Select(k => Task.Run(
                async () =>
                {
                    try
                    {
                        channel.Open(ticket, await k.DecideAsync(comparison, Ct));
                        return "answered";
                    }
                    catch (DecisionRefusedException e) when (e.Reason == DecisionRefusal.TicketReplayed)
                    {
                        return "replayed";
                    }
                },
                Ct)));
            Assert.Equal(["answered", "replayed"], outcomes.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task A_restored_copy_of_the_decision_state_rolls_back_the_count_and_revives_a_used_ticket_a_stated_limit()
    {
        // The MACs are under a key derived from the key holder's master key, which a restore does not change: a copy of
        // state.db alone (not the whole folder) is valid. Putting it back rolls the count back and makes a used ticket
        // unused again. docs/threat-model.md states this residual risk.
        var (subject, reference) = await EnrolledAsync(57);
        var result = await ResultAsync(reference);
        IKeyHolderRole keyHolder = fixture.KeyHolder;
        using var channel = new DecisionChannel();
        var ticket = await keyHolder.IssueDecisionTicketAsync(new DecisionTicketRequest(subject, reference.EnrolmentId, reference.EncryptionKeyId, channel.PublicKey), Ct);
        var comparison = fixture.Attester.Attest(ticket.Nonce, reference, [1], result);
        long Used() => fixture.KeyHolder.Report(0).Keys.Single(k => k.EncryptionKeyId == reference.EncryptionKeyId).Decisions;
        SqliteConnection Live()
        {
            var connection = new SqliteConnection($"Data Source={fixture.KeyHolder.DecisionStatePath};Pooling=False");
            connection.Open();
            return connection;
        }

        var used = Used();
        using var backup = new SqliteConnection("Data Source=:memory:");
        backup.Open();
        using (var live = Live())
        {
            Retried(() => live.BackupDatabase(backup));
        }

        channel.Open(ticket, await keyHolder.DecideAsync(comparison, Ct));
        Assert.Equal(used + 1, Used());
        Assert.Equal(DecisionRefusal.TicketReplayed, (await Assert.ThrowsAsync<DecisionRefusedException>(() => keyHolder.DecideAsync(comparison, Ct))).Reason);

        using (var live = Live())
        {
            Retried(() => backup.BackupDatabase(live));
        }

        Assert.Equal(used, Used());
        channel.Open(ticket, await keyHolder.DecideAsync(comparison, Ct));
        Assert.Equal(used + 1, Used());
    }

    [Fact]
    public async Task A_capture_service_holding_its_quota_of_open_tickets_gets_no_more_until_one_is_used()
    {
        // Each ticket is a synced row kept for a day: without a quota a capture service could fill the key holder's
        // disk by asking for tickets it never uses (adversarial review). The refusal is recorded like a decision's.
        var (subject, reference) = await EnrolledAsync(59);
        using var state = KeyHolderState.Open(fixture.KeyHolderFolder("example-bank"), fixture.ProviderKeys, new DecisionLimits(OpenTicketsPerCaller: 3), fixture.Governance.Clock);
        using var channel = new DecisionChannel();
        var request = new DecisionTicketRequest(subject, reference.EnrolmentId, reference.EncryptionKeyId, channel.PublicKey);
        const string Flooder = "capture-flooder";
        byte[] Issue()
        {
            var nonce = RandomNumberGenerator.GetBytes(32);
            state.IssueTicket(nonce, request, Flooder, fixture.Governance.Clock.GetUtcNow().AddMinutes(2), new byte[32]);
            return nonce;
        }

        var first = Issue();
        Issue();
        Issue();
        var refused = Assert.Throws<DecisionRefusedException>(() => Issue());
        Assert.Equal(DecisionRefusal.OpenTicketsLimited, refused.Reason);
        Assert.True(refused.IsRateLimit);
        Assert.Contains(state.Report(100).Events, e => e.Kind == "refused-open-tickets-limited" && e.Caller == Flooder);

        // Another capture service is not held back by this one's quota; a used ticket frees a place.
        state.IssueTicket(RandomNumberGenerator.GetBytes(32), request, "capture-other", fixture.Governance.Clock.GetUtcNow().AddMinutes(2), new byte[32]);
        state.Reserve(fixture.Attester.Attest(first, reference, [1], [1]), "comparison");
        Issue();
    }

    [Fact]
    public async Task Deleting_rows_of_the_rate_limit_log_resets_the_limits_a_stated_limit()
    {
        // Only each key's policy and count are authenticated; the log the rate limits and the monitor count, the tickets
        // and the recorded refusals and flags are not. Whoever can write state.db can delete rows (and can read
        // master.key beside it). docs/threat-model.md states this.
        var (subject, reference) = await EnrolledAsync(58);
        using var state = KeyHolderState.Open(fixture.KeyHolderFolder("example-bank"), fixture.ProviderKeys, new DecisionLimits(PerSubject: 1), fixture.Governance.Clock);
        using var channel = new DecisionChannel();
        void Decide()
        {
            var nonce = RandomNumberGenerator.GetBytes(32);
            state.IssueTicket(nonce, new DecisionTicketRequest(subject, reference.EnrolmentId, reference.EncryptionKeyId, channel.PublicKey), "capture", fixture.Governance.Clock.GetUtcNow().AddMinutes(2), new byte[32]);
            state.Reserve(fixture.Attester.Attest(nonce, reference, [1], [1]), "comparison");
        }

        Decide();
        Assert.Equal(DecisionRefusal.SubjectRateLimited, Assert.Throws<DecisionRefusedException>(Decide).Reason);
        using (var connection = new SqliteConnection($"Data Source={state.DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM decisions WHERE subject = $s";
            command.Parameters.AddWithValue("$s", subject);
            command.ExecuteNonQuery();
        }

        Decide();
    }

    private async Task<(string Subject, SealedTemplate Reference)> EnrolledAsync(int seed)
    {
        var faces = new SyntheticFaces(128, seed);
        var subject = await fixture.ConsentingSubjectAsync();
        return (subject, await fixture.Verification.OnboardAsync(subject, faces.Capture(faces.Identity()), Ct));
    }

    /// <summary>A well-formed comparison result over <paramref name="reference"/> (what the comparison role would send).</summary>
    private async Task<byte[]> ResultAsync(SealedTemplate reference)
    {
        var galois = await DecisionOracleTests.AttackerKeysAsync(fixture.KeyHolder, reference.EncryptionKeyId);
        return DecisionOracleTests.Crafted(reference, galois, 3, 0);
    }

    /// <summary>
    /// Runs an online backup step again while SQLite answers busy or locked: unlike a command, the backup API does not
    /// wait for a lock the pool's background close (a WAL checkpoint) holds for a moment.
    /// </summary>
    private static void Retried(Action backup)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                backup();
                return;
            }
            catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6 && attempt < 100)
            {
                Thread.Sleep(50);
            }
        }
    }
}
