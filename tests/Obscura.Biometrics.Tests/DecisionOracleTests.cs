using System.Security.Cryptography;
using Obscura.Biometrics.Decisions;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Roles;
using Obscura.Homomorphic.Bgv;

namespace Obscura.Biometrics.Tests;

/// <summary>
/// Issue 12, finding 1: the key holder as a decryption oracle. With the public key, the Galois keys and one stored
/// reference, a caller built MultiplyPlain(ref, 8·e_i ‖ −8τ) + SumSlots and binary-searched template coordinates
/// (before the fix this test recovered coordinate 3 to within 0.0005 from 12 decisions). The key holder now decides
/// only attested comparisons for tickets it issued, rate-limits decisions and flags probing.
/// </summary>
[Collection(VerificationCollection.Name)]
public sealed class DecisionOracleTests(VerificationFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_crafted_ciphertext_does_not_reveal_template_coordinates_and_every_attempt_is_recorded()
    {
        var faces = new SyntheticFaces(512, 41);
        var subject = await fixture.ConsentingSubjectAsync();
        var face = faces.Capture(faces.Identity());
        var reference = await fixture.Verification.OnboardAsync(subject, face, Ct);
        IKeyHolderRole keyHolder = fixture.KeyHolder;
        var galois = await AttackerKeysAsync(keyHolder, reference.EncryptionKeyId);

        // The attacker may even obtain genuine tickets (as a capture service could); it has no comparison role's key, so it signs with its own.
        using var attackerKey = ComparisonAttester.Ephemeral();
        var answered = 0;
        foreach (var i in new[] { 3, 100, 400 })
        {
            double low = -1, high = 1;
            for (var step = 0; step < 12; step++)
            {
                var tau = (low + high) / 2;
                var crafted = Crafted(reference, galois, i, tau);
                using var channel = new DecisionChannel();
                var ticket = await keyHolder.IssueDecisionTicketAsync(new DecisionTicketRequest(subject, reference.EnrolmentId, reference.EncryptionKeyId, channel.PublicKey), Ct);
                try
                {
                    var above = channel.Open(ticket, await keyHolder.DecideAsync(attackerKey.Attest(ticket.Nonce, reference, [1], crafted), Ct));
                    answered++;
                    (low, high) = above ? (tau, high) : (low, tau);
                }
                catch (DecisionRefusedException e)
                {
                    Assert.Equal(DecisionRefusal.BadAttestation, e.Reason);
                }
            }
        }

        Assert.Equal(0, answered);
        var refusals = fixture.KeyHolder.Report(1000).Events.Where(e => e.EnrolmentId == reference.EnrolmentId && e.Kind == "refused-bad-attestation").ToArray();
        Assert.Equal(36, refusals.Length);
        Assert.All(refusals, e => Assert.Equal(subject, e.SubjectId));
    }

    [Fact]
    public async Task A_genuine_attestation_cannot_carry_another_result_be_replayed_or_serve_another_ticket()
    {
        var recorder = new RecordingDecisions(fixture.KeyHolder);
        var verification = fixture.Wire(fixture.KeyHolder, fixture.Store, recorder); // not disposed: it would dispose the shared key holder
        var faces = new SyntheticFaces(512, 42);
        var (ann, bob) = (faces.Identity(), faces.Identity());
        var a = await fixture.ConsentingSubjectAsync();
        var b = await fixture.ConsentingSubjectAsync();
        var reference = await verification.OnboardAsync(a, faces.Capture(ann), Ct);
        var other = await verification.OnboardAsync(b, faces.Capture(bob), Ct);
        Assert.True((await verification.VerifyAsync(a, faces.Capture(ann), Ct)).IsMatch);
        var genuine = Assert.Single(recorder.Seen);
        IKeyHolderRole keyHolder = fixture.KeyHolder;
        var galois = await AttackerKeysAsync(keyHolder, reference.EncryptionKeyId);

        async Task<DecisionRefusal> RefusedAsync(AttestedComparison comparison) =>
            (await Assert.ThrowsAsync<DecisionRefusedException>(() => keyHolder.DecideAsync(comparison, Ct))).Reason;

        // The genuine attestation with the crafted ciphertext in place of the result it signed.
        Assert.Equal(DecisionRefusal.BadAttestation, await RefusedAsync(genuine with { Result = Crafted(reference, galois, 3, 0) }));

        // The genuine attested result again: its ticket is used.
        Assert.Equal(DecisionRefusal.TicketReplayed, await RefusedAsync(genuine));

        // Even with the comparison role's own key (a compromised comparison role), a result needs a ticket issued here,
        // for the same subject, enrolment and key, and not expired.
        Assert.Equal(DecisionRefusal.UnknownTicket, await RefusedAsync(fixture.Attester.Attest(RandomNumberGenerator.GetBytes(32), reference, [1], genuine.Result)));
        using var channel = new DecisionChannel();
        var ticketForB = await keyHolder.IssueDecisionTicketAsync(new DecisionTicketRequest(b, other.EnrolmentId, other.EncryptionKeyId, channel.PublicKey), Ct);
        Assert.Equal(DecisionRefusal.BindingMismatch, await RefusedAsync(fixture.Attester.Attest(ticketForB.Nonce, reference, [1], genuine.Result)));
        var ticket = await keyHolder.IssueDecisionTicketAsync(new DecisionTicketRequest(a, reference.EnrolmentId, reference.EncryptionKeyId, channel.PublicKey), Ct);
        fixture.Governance.Clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(DecisionRefusal.TicketExpired, await RefusedAsync(fixture.Attester.Attest(ticket.Nonce, reference, [1], genuine.Result)));

        // A reference whose seal does not verify, and a result that is no comparison result, are refused and recorded too.
        var fresh = await keyHolder.IssueDecisionTicketAsync(new DecisionTicketRequest(a, reference.EnrolmentId, reference.EncryptionKeyId, channel.PublicKey), Ct);
        var forgedSeal = reference with { Signature = [.. reference.Signature[..^1], (byte)(reference.Signature[^1] ^ 1)] };
        await Assert.ThrowsAsync<BrokenSealException>(() => keyHolder.DecideAsync(fixture.Attester.Attest(fresh.Nonce, forgedSeal, [1], genuine.Result), Ct));
        await Assert.ThrowsAsync<BgvFormatException>(() => keyHolder.DecideAsync(fixture.Attester.Attest(fresh.Nonce, reference, [1], [1, 2, 3]), Ct));

        var kinds = fixture.KeyHolder.Report(1000).Events.Where(e => e.EnrolmentId == reference.EnrolmentId).Select(e => e.Kind).ToHashSet();
        Assert.Superset(
            new HashSet<string> { "refused-bad-attestation", "refused-ticket-replayed", "refused-unknown-ticket", "refused-binding-mismatch", "refused-ticket-expired", "refused-broken-seal", "refused-malformed" },
            kinds);
    }

    [Fact]
    public async Task A_decision_forged_by_the_relaying_comparison_role_or_meant_for_another_ticket_fails_to_open()
    {
        var faces = new SyntheticFaces(128, 43);
        var subject = await fixture.ConsentingSubjectAsync();
        var reference = await fixture.Verification.OnboardAsync(subject, faces.Capture(faces.Identity()), Ct);
        IKeyHolderRole keyHolder = fixture.KeyHolder;
        using var channel = new DecisionChannel();
        var ticket = await keyHolder.IssueDecisionTicketAsync(new DecisionTicketRequest(subject, reference.EnrolmentId, reference.EncryptionKeyId, channel.PublicKey), Ct);

        // The comparison role knows the capture side's public key and the ticket nonce, but not the agreed key.
        using var forger = System.Security.Cryptography.ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var forgedKey = DecisionChannel.Agree(forger, channel.PublicKey, ticket.Nonce);
        Assert.Throws<InvalidDataException>(() => channel.Open(ticket, DecisionChannel.Seal(forgedKey, ticket.Nonce, match: true)));
        Assert.Throws<InvalidDataException>(() => channel.Open(ticket, DecisionChannel.Seal(RandomNumberGenerator.GetBytes(32), ticket.Nonce, match: true)));
        var otherTicket = await keyHolder.IssueDecisionTicketAsync(new DecisionTicketRequest(subject, reference.EnrolmentId, reference.EncryptionKeyId, channel.PublicKey), Ct);
        Assert.Throws<InvalidDataException>(() => channel.Open(ticket, DecisionChannel.Seal(forgedKey, otherTicket.Nonce, match: true)));
    }

    [Fact]
    public async Task A_compromised_comparison_role_decides_the_outcome_of_a_verification_it_relays_a_deliberate_limit()
    {
        // The comparison role is trusted to compute honestly: it holds the attestation key the key holder pins and the
        // evaluation keys, and the key holder never sees the ciphertexts it would need to check the computation (seeing
        // them would make it a decryption oracle itself). So for a genuine ticket, it can attest a crafted result in
        // place of the real comparison: MultiplyPlain(ref, 8·e_i ‖ −8τ) + SumSlots with τ below (or above) every
        // coordinate makes any probe match (or fail). It cannot read the answer (it is encrypted to the capture side),
        // but whoever sees the verification's outcome learns y_i > τ. docs/threat-model.md states this limit.
        var faces = new SyntheticFaces(512, 46);
        var subject = await fixture.ConsentingSubjectAsync();
        var reference = await fixture.Verification.OnboardAsync(subject, faces.Capture(faces.Identity()), Ct);
        IKeyHolderRole keyHolder = fixture.KeyHolder;
        var galois = await AttackerKeysAsync(keyHolder, reference.EncryptionKeyId);

        async Task<bool> DecidedAsync(double tau)
        {
            using var channel = new DecisionChannel();
            var ticket = await keyHolder.IssueDecisionTicketAsync(new DecisionTicketRequest(subject, reference.EnrolmentId, reference.EncryptionKeyId, channel.PublicKey), Ct);
            var impostorProbe = RandomNumberGenerator.GetBytes(64);
            return channel.Open(ticket, await keyHolder.DecideAsync(fixture.Attester.Attest(ticket.Nonce, reference, impostorProbe, Crafted(reference, galois, 3, tau)), Ct));
        }

        long Used() => fixture.KeyHolder.Report(0).Keys.Single(k => k.EncryptionKeyId == reference.EncryptionKeyId).Decisions;
        var used = Used();
        Assert.True(await DecidedAsync(-0.5));
        Assert.False(await DecidedAsync(0.5));

        // Nothing refuses or records it as an attack; what bounds it is that each is a counted decision of the subject
        // (the budget, the per-subject and per-caller limits and the monitor's per-reference count).
        Assert.Equal(used + 2, Used());
        Assert.DoesNotContain(fixture.KeyHolder.Report(1000).Events, e => e.EnrolmentId == reference.EnrolmentId);
    }

    [Fact]
    public async Task A_capture_side_probing_through_the_legitimate_path_is_rate_limited_and_flagged()
    {
        // The residual limit: a malicious capture service holds the transformation key and may encrypt any probe. Each
        // decision then tells on which side of the threshold a chosen linear function of the template falls. The
        // per-subject limit caps how many such bits it gets per window, and the monitor flags the pattern.
        // The probe e_3 ‖ −τ·S makes D = x_3 − τ·S, so each answer says whether x_3 ≥ τ·S. (The key holder sees only
        // that bit, so it no longer has margins to watch; the rate limit and the per-reference count remain.)
        var limits = new DecisionLimits(PerSubject: 12, PerCaller: 1000, ManyDecisionsPerReference: 10);
        using var keyHolder = fixture.OpenKeyHolder("probed-bank", limits);
        var comparison = new ComparisonRole(keyHolder, keyHolder, fixture.Attester);
        using var verification = fixture.Wire(keyHolder, new InMemoryTemplateStore());
        var faces = new SyntheticFaces(512, 44);
        var subject = await fixture.ConsentingSubjectAsync();
        var reference = await verification.OnboardAsync(subject, faces.Capture(faces.Identity()), Ct);
        var encoder = new BgvEncoder(ProtectedTemplateScheme.Parameters);
        var encryptor = new BgvEncryptor(ProtectedTemplateScheme.Parameters);
        var publicKey = keyHolder.Keys.OpenPublicKey(reference.EncryptionKeyId);
        IKeyHolderRole keys = keyHolder;
        int answered = 0, limited = 0;
        double low = -1, high = 1;
        for (var step = 0; step < 16; step++)
        {
            var tau = (low + high) / 2;
            var values = new long[ProtectedTemplateScheme.ThresholdSlot];
            values[3] = 1;
            var probe = ExactDecision.WrapProbe(1, BgvSerializer.Serialize(encryptor.Encrypt(publicKey, encoder.Encode(ProtectedTemplateScheme.Slots(values, -(long)Math.Round(tau * TemplateQuantisation.Scale))))));
            using var channel = new DecisionChannel();
            var ticket = await keys.IssueDecisionTicketAsync(new DecisionTicketRequest(subject, reference.EnrolmentId, reference.EncryptionKeyId, channel.PublicKey), Ct);
            try
            {
                var above = channel.Open(ticket, await comparison.CompareAsync(reference, subject, probe, ticket.Nonce, Ct));
                answered++;
                (low, high) = above ? (tau, high) : (low, tau);
            }
            catch (DecisionRefusedException e) when (e.Reason == DecisionRefusal.SubjectRateLimited)
            {
                limited++;
            }
        }

        Assert.Equal((12, 4), (answered, limited));
        var events = keyHolder.Report(1000).Events.Where(e => e.EnrolmentId == reference.EnrolmentId).ToArray();
        Assert.Contains(events, e => e.Kind == DecisionEvent.ManyDecisionsFlag);
        Assert.Equal(4, events.Count(e => e.Kind == "refused-subject-rate-limited"));
        Assert.All(events.Where(e => e.IsFlag), e => Assert.Equal("capture", e.Caller));

        // The window slides: an hour later the subject may be verified again.
        fixture.Governance.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        Assert.Null((await verification.VerifyAsync(subject, faces.Capture(faces.Identity()), Ct)).Refusal);
    }

    [Fact]
    public async Task A_capture_service_is_limited_across_subjects()
    {
        var limits = new DecisionLimits(PerSubject: 100, PerCaller: 3);
        using var keyHolder = fixture.OpenKeyHolder("busy-bank", limits);
        using var verification = fixture.Wire(keyHolder, new InMemoryTemplateStore());
        var faces = new SyntheticFaces(128, 45);
        var people = new List<(string Subject, float[] Face)>();
        for (var k = 0; k < 4; k++)
        {
            var face = faces.Identity();
            var subject = await fixture.ConsentingSubjectAsync();
            await verification.OnboardAsync(subject, faces.Capture(face), Ct);
            people.Add((subject, face));
        }

        foreach (var (subject, face) in people.Take(3))
        {
            Assert.True((await verification.VerifyAsync(subject, faces.Capture(face), Ct)).IsMatch);
        }

        Assert.Equal(VerificationRefusal.RateLimited, (await verification.VerifyAsync(people[3].Subject, faces.Capture(people[3].Face), Ct)).Refusal);
        Assert.Contains(keyHolder.Report().Events, e => e.Kind == "refused-caller-rate-limited" && e.SubjectId == people[3].Subject);
    }

    /// <summary>What anyone may fetch from the key holder: the public key and the Galois keys.</summary>
    internal static async Task<AttackerKeys> AttackerKeysAsync(IKeyHolderRole keyHolder, string encryptionKeyId)
    {
        var p = ProtectedTemplateScheme.Parameters;
        var material = await keyHolder.GetPublicMaterialAsync(CancellationToken.None);
        var evaluation = await keyHolder.GetEvaluationKeysAsync(encryptionKeyId, CancellationToken.None);
        return new AttackerKeys(
            BgvSerializer.DeserializePublicKey(material.Generation(encryptionKeyId)!.PublicKey, p),
            BgvSerializer.DeserializeGaloisKeys(evaluation.Galois, p));
    }

    /// <summary>
    /// MultiplyPlain(ref, e_i ‖ −τ·S) + SumSlots over each 1,024-slot block, so every slot holds D = x_i − τ·S, then
    /// blinded as the comparison role would: a result that, if decided, says whether coordinate i exceeds τ.
    /// </summary>
    internal static byte[] Crafted(SealedTemplate reference, AttackerKeys keys, int i, double tau)
    {
        var p = ProtectedTemplateScheme.Parameters;
        var evaluator = new BgvEvaluator(p);
        var encoder = new BgvEncoder(p);
        var values = new long[ProtectedTemplateScheme.ThresholdSlot];
        values[i] = 1;
        var stored = BgvSerializer.DeserializeCiphertext(reference.Ciphertext, p);
        var difference = evaluator.MultiplyPlain(stored, encoder.Encode(ProtectedTemplateScheme.Slots(values, -(long)Math.Round(tau * TemplateQuantisation.Scale))));
        difference = ProtectedTemplateScheme.SumBlocks(evaluator, difference, keys.Galois);
        return ExactDecision.Serialize(ExactDecision.Blind(evaluator, encoder, new BgvEncryptor(p), keys.PublicKey, difference, ProtectedTemplateScheme.ResultCiphertexts));
    }

    /// <summary>The public keys an attacker holds.</summary>
    internal sealed record AttackerKeys(BgvPublicKey PublicKey, BgvGaloisKeys Galois);

    /// <summary>The key holder's decision interface, keeping a copy of each attested comparison (what a network observer could see).</summary>
    private sealed class RecordingDecisions(IKeyHolderDecisions inner) : IKeyHolderDecisions
    {
        public List<AttestedComparison> Seen { get; } = [];

        public Task<SealedDecision> DecideAsync(AttestedComparison comparison, CancellationToken cancellationToken)
        {
            Seen.Add(comparison);
            return inner.DecideAsync(comparison, cancellationToken);
        }
    }
}
