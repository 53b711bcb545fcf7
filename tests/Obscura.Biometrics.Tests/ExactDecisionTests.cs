using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Roles;
using Obscura.Homomorphic.Bgv;

namespace Obscura.Biometrics.Tests;

/// <summary>
/// The exact decision (issue 13): what the key holder can read from a comparison result with its secret key, the
/// flooding that hides the circuit's noise, and that a key makes unlimited decisions.
/// </summary>
[Collection(VerificationCollection.Name)]
public sealed class ExactDecisionTests(VerificationFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(SlowTests.Category, SlowTests.Slow)]
    public async Task The_key_holder_reads_the_match_bit_and_nothing_else()
    {
        var setup = await SetUpAsync(512, 40);
        using var secret = fixture.ProviderKeys.OpenDecryptionKey(fixture.Provider.EncryptionKeyId);
        var decryptor = new BgvDecryptor(secret);
        var encoder = new BgvEncoder(ProtectedTemplateScheme.Parameters);
        var t = ProtectedTemplateScheme.PlainModulus;

        // Everything the key holder can compute from a result: all slots of all its ciphertexts.
        ulong[] Slots(byte[] probe) =>
            [.. ExactDecision.Parse(setup.Comparison.Compare(setup.Reference, setup.Subject, probe)).SelectMany(c => encoder.DecodeUnsigned(decryptor.Decrypt(c)))];

        var zeroPlaces = new List<int>();
        var nonZero = new List<ulong>();
        for (var trial = 0; trial < 4; trial++)
        {
            var match = Slots(setup.GenuineProbe);
            var noMatch = Slots(setup.ImpostorProbe);
            Assert.Equal(ProtectedTemplateScheme.CandidatesFor(0.5), match.Length);

            // A match shows exactly one 0; a non-match none. Nothing else tells them apart.
            Assert.Single(match, v => v == 0);
            Assert.DoesNotContain(0UL, noMatch);
            zeroPlaces.Add(Array.IndexOf(match, 0UL));
            nonZero.AddRange(match.Where(v => v != 0));
            nonZero.AddRange(noMatch);
        }

        // The 0 is at a fresh random place each time (the candidates are permuted): were it at a fixed place, it would
        // say which candidate D equals, that is the score. Four equal places out of 40,960 have probability below 2^-45.
        Assert.True(zeroPlaces.Distinct().Count() > 1, $"the 0 was always at slot {zeroPlaces[0]}");

        // Every other slot is uniform over 1 … t − 1: a χ² test over 16 equal bins of the 327,676 values. With 15 degrees
        // of freedom, χ² > 60 has probability below 10^-6 under uniformity; unblinded slots (D − π(j)) would fail it
        // by orders of magnitude.
        var bins = new long[16];
        foreach (var v in nonZero)
        {
            bins[(int)((v - 1) * 16 / (t - 1))]++;
        }

        var expected = nonZero.Count / 16.0;
        var chi2 = bins.Sum(b => (b - expected) * (b - expected) / expected);
        TestContext.Current.TestOutputHelper?.WriteLine($"zero places {string.Join(", ", zeroPlaces)}; χ² of the non-zero slots over 16 bins: {chi2:F1}");
        Assert.True(chi2 < 60, $"χ² = {chi2:F1}: the non-zero slots are not uniform");
    }

    [Fact]
    [Trait(SlowTests.Category, SlowTests.Slow)]
    public async Task The_flooding_is_far_above_the_circuit_noise_even_for_a_reference_switched_to_the_limit()
    {
        var store = new InMemoryTemplateStore();
        using var keyHolder = fixture.OpenKeyHolder("noise-bank");
        using var verification = fixture.Wire(keyHolder, store);
        var faces = new SyntheticFaces(512, 41);
        var dan = faces.Identity();
        var subject = await fixture.ConsentingSubjectAsync();
        var referenceTemplate = faces.Capture(dan);
        var enrolment = await verification.OnboardAsync(subject, referenceTemplate, Ct);
        for (var k = 0; k < ProtectedTemplateScheme.MaxKeySwitches; k++)
        {
            Assert.Equal(1, (await verification.RotateProviderKeysAsync(null, Ct)).Switched);
        }

        var stored = Assert.IsType<SealedTemplate>(await store.FindAsync(subject, Ct));
        Assert.Equal(ProtectedTemplateScheme.MaxKeySwitches, stored.KeySwitches);
        Assert.True((await verification.VerifyAsync(subject, faces.Capture(dan), Ct)).IsMatch);

        var current = keyHolder.Provider.EncryptionKeyId;
        var p = ProtectedTemplateScheme.Parameters;
        using var ttk = fixture.CaptureKeys.Open(enrolment.TransformationKeyId);
        var capture = new CaptureClient(current, keyHolder.Keys.OpenPublicKey(current));
        var (relin, galois) = keyHolder.Keys.OpenEvaluationKeys(current);
        var publicKey = keyHolder.Keys.OpenPublicKey(current);
        var comparison = new ComparisonService(current, keyHolder.Keys.OpenSealVerifier(keyHolder.Provider.SealingKeyId), publicKey, relin, galois);
        using var secret = keyHolder.Keys.OpenDecryptionKey(current);
        var decryptor = new BgvDecryptor(secret);
        var evaluator = new BgvEvaluator(p);
        var encoder = new BgvEncoder(p);
        var random = new Random(7);
        var worst = 0.0;
        for (var trial = 0; trial < 8; trial++)
        {
            var probe = capture.EncryptProbe(CancelableTransform.Apply(ttk, faces.Capture(dan)), 0.5);
            var (difference, _) = comparison.Difference(stored, subject, probe);

            // The noise just before flooding, at its largest: candidates and factors as large as they get.
            long[] Random(long from, long to) => [.. Enumerable.Range(0, p.SlotCount).Select(_ => random.NextInt64(from, to))];
            var masked = ExactDecision.Mask(evaluator, encoder, difference, Random(0, ProtectedTemplateScheme.Candidates), Random(1, (long)ProtectedTemplateScheme.PlainModulus));
            worst = Math.Max(worst, decryptor.NoiseBits(masked));
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"after {ProtectedTemplateScheme.MaxKeySwitches} key switches: circuit noise before flooding up to 2^{worst:F1}; bound 2^{ProtectedTemplateScheme.CircuitNoiseBoundBits}, flooding σ = 2^{ProtectedTemplateScheme.FloodingSigmaBits}");
        Assert.InRange(worst, 1, ProtectedTemplateScheme.CircuitNoiseBoundBits);

        // At the limit the template is not carried further: its subject enrols again.
        Assert.Equal(1, (await verification.RotateProviderKeysAsync(null, Ct)).Expired);
        Assert.Equal(VerificationRefusal.KeyRevoked, (await verification.VerifyAsync(subject, faces.Capture(dan), Ct)).Refusal);
    }

    [Fact]
    [Trait(SlowTests.Category, SlowTests.Slow)]
    public async Task One_key_makes_any_number_of_exact_decisions()
    {
        // The approximate scheme allowed about 850–1,900 decisions per key. Here one key decides a pool of genuine and
        // impostor comparisons over and over, and every decision is right. CI decides 4,000 times (past the old budget;
        // about 12 ms of CPU each); OBSCURA_DECISIONS=100000 runs the issue's 10^5 (about 20 CPU-minutes).
        var setup = await SetUpAsync(128, 42);
        var pool = new List<(byte[] Result, bool Match)>();
        for (var i = 0; i < 8; i++)
        {
            pool.Add((setup.Comparison.Compare(setup.Reference, setup.Subject, setup.GenuineProbe), true));
            pool.Add((setup.Comparison.Compare(setup.Reference, setup.Subject, setup.ImpostorProbe), false));
        }

        var parsed = pool.Select(p => (Result: DecisionKeyHolder.ParseResult(p.Result), p.Match)).ToArray();
        using var keyHolder = new DecisionKeyHolder(fixture.ProviderKeys.OpenDecryptionKey(fixture.Provider.EncryptionKeyId));
        var decisions = int.Parse(Environment.GetEnvironmentVariable("OBSCURA_DECISIONS") ?? "4000", System.Globalization.CultureInfo.InvariantCulture);
        var wrong = 0;
        Parallel.For(0, decisions, i =>
        {
            var (result, match) = parsed[i % parsed.Length];
            if (keyHolder.Decide(result) != match)
            {
                Interlocked.Increment(ref wrong);
            }
        });
        Assert.Equal(0, wrong);
    }

    [Fact]
    [Trait(SlowTests.Category, SlowTests.Slow)]
    public async Task The_result_has_as_many_ciphertexts_as_the_threshold_needs_and_still_finds_the_best_possible_score()
    {
        var setup = await SetUpAsync(128, 43);
        using var keyHolder = new DecisionKeyHolder(fixture.ProviderKeys.OpenDecryptionKey(fixture.Provider.EncryptionKeyId));
        Assert.Equal(ProtectedTemplateScheme.ResultCiphertexts, ProtectedTemplateScheme.ResultCiphertextsFor(ProtectedTemplateScheme.MinimumThreshold));
        Assert.Equal(5, ProtectedTemplateScheme.ResultCiphertextsFor(0.5));
        Assert.Equal(2, ProtectedTemplateScheme.ResultCiphertextsFor(0.9));

        // The probe is the enrolled template itself: the largest score an honest pair reaches, D at its largest. At a
        // high threshold the two ciphertexts still cover it.
        var same = setup.Capture.EncryptProbe(setup.ReferenceTemplate, 0.9);
        var result = setup.Comparison.Compare(setup.Reference, setup.Subject, same);
        Assert.Equal(2, ExactDecision.Parse(result).Length);
        Assert.True(keyHolder.Decide(result));
        Assert.False(keyHolder.Decide(setup.Comparison.Compare(setup.Reference, setup.Subject, setup.Capture.EncryptProbe(setup.ImpostorTemplate, 0.9))));

        // A probe that asks for fewer ciphertexts than its threshold needs can only lose matches (D beyond the
        // candidates), never make one: here D ≈ 0.5·65,536 lies past the single ciphertext's 8,192 candidates.
        var (_, ciphertext) = ExactDecision.UnwrapProbe(setup.Capture.EncryptProbe(setup.ReferenceTemplate, 0.5));
        var narrowed = setup.Comparison.Compare(setup.Reference, setup.Subject, ExactDecision.WrapProbe(1, ciphertext));
        Assert.Single(ExactDecision.Parse(narrowed));
        Assert.False(keyHolder.Decide(narrowed));

        // Malformed probes are refused before any work.
        Assert.Throws<BgvFormatException>(() => ExactDecision.UnwrapProbe([]));
        Assert.Throws<BgvFormatException>(() => ExactDecision.UnwrapProbe([.. "OBP1"u8, 0, 1, 2]));
        Assert.Throws<BgvFormatException>(() => ExactDecision.UnwrapProbe([.. "OBP1"u8, ProtectedTemplateScheme.ResultCiphertexts + 1, 1, 2]));
        Assert.Throws<BgvFormatException>(() => ExactDecision.UnwrapProbe([.. "OBP0"u8, 1, 1, 2]));
        Assert.Throws<BgvFormatException>(() => setup.Comparison.Compare(setup.Reference, setup.Subject, ciphertext));

        // A provider whose Galois keys predate the hoisted block sum (steps 1, 2, 4, …, 512) is told to rotate its keys.
        var id = fixture.Provider.EncryptionKeyId;
        using var secret = fixture.ProviderKeys.OpenDecryptionKey(id);
        var generator = new BgvKeyGenerator(ProtectedTemplateScheme.Parameters);
        var (relin, _) = fixture.ProviderKeys.OpenEvaluationKeys(id);
        var stale = new ComparisonService(id, fixture.ProviderKeys.OpenSealVerifier(fixture.Provider.SealingKeyId), fixture.ProviderKeys.OpenPublicKey(id), relin, generator.CreateGaloisKeys(secret, [.. Enumerable.Range(0, 10).Select(i => 1 << i)], columnSwap: false));
        Assert.Contains("rotate-keys", Assert.Throws<InvalidOperationException>(() => stale.Compare(setup.Reference, setup.Subject, same)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_result_that_is_not_exactly_the_schemes_shape_is_refused()
    {
        Assert.Throws<BgvFormatException>(() => ExactDecision.Parse([]));
        Assert.Throws<BgvFormatException>(() => ExactDecision.Parse("OBR4"u8.ToArray()));
        Assert.Throws<BgvFormatException>(() => ExactDecision.Parse("OBR5"u8.ToArray()));
        Assert.Throws<BgvFormatException>(() => ExactDecision.Parse([.. "OBR5"u8, ProtectedTemplateScheme.ResultCiphertexts, 1, 0, 0, 0]));
        Assert.Throws<BgvFormatException>(() => ExactDecision.Parse([.. "OBR5"u8, 1, 4, 0, 0, 0, 1, 2, 3, 4]));
        Assert.Throws<BgvFormatException>(() => ExactDecision.Parse([.. "OBR5"u8, 0]));
        Assert.Throws<BgvFormatException>(() => ExactDecision.Parse([.. "OBR5"u8, ProtectedTemplateScheme.ResultCiphertexts + 1]));
        Assert.Throws<BgvFormatException>(() => ExactDecision.Parse([.. "OBR4"u8, ProtectedTemplateScheme.ResultCiphertexts]));
    }

    [Fact]
    public void Thresholds_below_the_tested_candidates_are_refused()
    {
        Assert.InRange(ProtectedTemplateScheme.MinimumThreshold, 0.05, 0.15);
        Assert.Equal(0.5, ProtectedTemplateScheme.CheckThreshold(0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtectedTemplateScheme.CheckThreshold(0.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtectedTemplateScheme.CheckThreshold(1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtectedTemplateScheme.CheckThreshold(double.NaN));

        // At the smallest threshold every D ≥ 0 an honest pair can reach is among the candidates.
        var t = TemplateQuantisation.IntegerThreshold(ProtectedTemplateScheme.MinimumThreshold);
        Assert.True(TemplateQuantisation.MaxIntegerScore(TemplateQuantisation.MaxDimension) - t < ProtectedTemplateScheme.Candidates);
    }

    private async Task<Setup> SetUpAsync(int dimension, int seed)
    {
        var faces = new SyntheticFaces(dimension, seed);
        var person = faces.Identity();
        var subject = await fixture.ConsentingSubjectAsync();
        var enrolled = faces.Capture(person);
        var reference = await fixture.Verification.OnboardAsync(subject, enrolled, Ct);
        using var ttk = fixture.CaptureKeys.Open(reference.TransformationKeyId);
        var keys = fixture.ProviderKeys;
        var id = fixture.Provider.EncryptionKeyId;
        var capture = new CaptureClient(id, keys.OpenPublicKey(id));
        var (relin, galois) = keys.OpenEvaluationKeys(id);
        var comparison = new ComparisonService(id, keys.OpenSealVerifier(fixture.Provider.SealingKeyId), keys.OpenPublicKey(id), relin, galois);
        var impostor = CancelableTransform.Apply(ttk, faces.Capture(faces.Identity()));
        return new Setup(
            subject,
            reference,
            comparison,
            capture,
            capture.EncryptProbe(CancelableTransform.Apply(ttk, faces.Capture(person)), 0.5),
            capture.EncryptProbe(impostor, 0.5),
            CancelableTransform.Apply(ttk, enrolled),
            impostor);
    }

    private sealed record Setup(string Subject, SealedTemplate Reference, ComparisonService Comparison, CaptureClient Capture, byte[] GenuineProbe, byte[] ImpostorProbe, TransformedTemplate ReferenceTemplate, TransformedTemplate ImpostorTemplate);
}
