using System.Numerics;
using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Identification;
using Obscura.Biometrics.Keys;
using Obscura.Governance.Purposes;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Tests;

/// <summary>One 1:N provider key and its calibrated flooding policy, made once for the identification tests.</summary>
public sealed class GalleryProviderFixture : IDisposable
{
    public GalleryProviderFixture()
    {
        SecretKey = CkksKeyGenerator.GenerateSecretKey(GalleryScheme.Parameters);
        PublicKey = CkksKeyGenerator.CreatePublicKey(SecretKey);
        Policy = GalleryKeyHolder.Calibrate(SecretKey, maxDecryptions: null);
    }

    public static PurposeId Purpose { get; } = PurposeId.Parse("border-watchlist");

    public CkksEncryptor Encryptor { get; } = new(GalleryScheme.Parameters);

    public CkksSecretKey SecretKey { get; }

    public CkksPublicKey PublicKey { get; }

    public NoiseFloodingPolicy Policy { get; }

    /// <summary>A key holder over a copy of the secret key, counting its decryptions.</summary>
    public GalleryKeyHolder KeyHolder(CountingBudget budget) => new(Copy(SecretKey), Policy, budget);

    public static CkksSecretKey Copy(CkksSecretKey key) => CkksSerializer.ImportSecretKey(CkksSerializer.ExportSecretKey(key), key.Parameters);

    public void Dispose() => SecretKey.Dispose();
}

/// <summary>An in-memory budget with the contract of <see cref="IDecryptionBudget"/>, and an optional lower limit of its own.</summary>
public sealed class CountingBudget(long limit = long.MaxValue) : IDecryptionBudget
{
    private readonly Lock _gate = new();
    private NoiseFloodingPolicy? _policy;

    public long Used { get; private set; }

    public void Reserve(NoiseFloodingPolicy policy)
    {
        lock (_gate)
        {
            _policy ??= policy;
            FloodingPolicyMismatchException.ThrowIfDifferent(_policy, policy);
            var max = Math.Min(limit, _policy.MaxDecryptions);
            if (Used >= max)
            {
                throw new DecisionBudgetSpentException(max);
            }

            Used++;
        }
    }
}

public sealed class IdentificationTests(GalleryProviderFixture fixture) : IClassFixture<GalleryProviderFixture>
{
    [Fact]
    [Trait(SlowTests.Category, SlowTests.Slow)]
    public void A_probe_finds_exactly_its_own_identity_in_an_encrypted_gallery_within_the_calibrated_error()
    {
        const int people = 4200; // more than N/2, so imaginary parts are used too
        var faces = new SyntheticFaces(128, 20);
        var identities = Enumerable.Range(0, people).Select(_ => faces.Identity()).ToArray();
        using var galleryKey = GalleryTransformationKey.Generate(GalleryProviderFixture.Purpose);
        var gallery = new EncryptedGallery(128, galleryKey);
        TransformedTemplate[] enrolled = [.. identities.Select(i => galleryKey.Apply(faces.Capture(i)))];
        gallery.Add(fixture.Encryptor, fixture.PublicKey, [.. Enumerable.Range(0, people).Select(i => $"person-{i}")], enrolled);
        Assert.Equal((people, 1, GalleryScheme.MaxRenewals), (gallery.Count, gallery.BlockCount, gallery.RenewalsLeft));

        var probeTemplate = galleryKey.Apply(faces.Capture(identities[4150]));
        var results = gallery.Search(GalleryProbe.FromTransformed(probeTemplate, 0.5, fixture.Encryptor));
        var margins = Margins(probeTemplate, [.. enrolled.Select(t => t.Values.ToArray().Select(v => (double)v).ToArray())], 0.5);

        // The calibration must bound the real circuit's error, or its flooding would be too weak for it.
        var error = NoiseFloodingPolicy.MeasureCoefficientError(fixture.Encryptor, fixture.SecretKey, results[0].Margins, margins);
        Assert.True(error <= fixture.Policy.ErrorBound, $"1:N error 2^{Math.Log2(error):F1} above the calibrated bound 2^{Math.Log2(fixture.Policy.ErrorBound):F1}");
        TestContext.Current.TestOutputHelper?.WriteLine($"error 2^{Math.Log2(error):F1}, E = 2^{Math.Log2(fixture.Policy.ErrorBound):F1}, t = {fixture.Policy.MaxDecryptions}, decision noise {GalleryKeyHolder.DecisionNoise(fixture.Policy):F4}");
        Assert.InRange(GalleryKeyHolder.DecisionNoise(fixture.Policy), 0.02, GalleryKeyHolder.DefaultMaxDecisionNoise);

        var budget = new CountingBudget();
        using var keyHolder = fixture.KeyHolder(budget);
        Assert.Equal(["person-4150"], keyHolder.Identify(results));
        Assert.Equal(1, budget.Used); // one flooded decryption per block of 8,192

        // A probe of another gallery key, or of a 1:1 enrolment key, is not searched.
        using var otherKey = GalleryTransformationKey.Generate(GalleryProviderFixture.Purpose);
        Assert.Throws<ArgumentException>(() => gallery.Search(GalleryProbe.Prepare(otherKey, faces.Capture(identities[0]), 0.5, fixture.Encryptor)));
        using var enrolmentKey = TemplateTransformationKey.Generate();
        Assert.Throws<ArgumentException>(() => gallery.Search(GalleryProbe.FromTransformed(CancelableTransform.Apply(enrolmentKey, faces.Capture(identities[0])), 0.5, fixture.Encryptor)));
    }

    [Fact]
    public void A_gallery_takes_only_templates_of_its_own_key_and_only_the_one_to_n_provider_key()
    {
        var faces = new SyntheticFaces(128, 21);
        using var galleryKey = GalleryTransformationKey.Generate(GalleryProviderFixture.Purpose);
        using var enrolmentKey = TemplateTransformationKey.Generate();
        var gallery = new EncryptedGallery(128, galleryKey);
        var face = faces.Capture(faces.Identity());
        Assert.Throws<ArgumentException>(() => gallery.Add(fixture.Encryptor, fixture.PublicKey, ["a"], [CancelableTransform.Apply(enrolmentKey, face)]));

        // The 1:1 provider key is a BGV key (another type); a CKKS key of any other parameter set (here the one 1:1 used
        // before it became exact) is refused on every side: enrolment, probe and key holder.
        var otherSet = CkksParameters.Create(8192, [60, 55], 60, 55);
        var other = new CkksEncryptor(otherSet);
        using var otherSecret = CkksKeyGenerator.GenerateSecretKey(otherSet);
        Assert.Throws<ArgumentException>(() => gallery.Add(other, CkksKeyGenerator.CreatePublicKey(otherSecret), ["a"], [galleryKey.Apply(face)]));
        Assert.Throws<ArgumentException>(() => GalleryProbe.Prepare(galleryKey, face, 0.5, other));
        Assert.Throws<ArgumentException>(() => new GalleryKeyHolder(GalleryProviderFixture.Copy(otherSecret), fixture.Policy, new CountingBudget()));

        // A probe of this key at another dimension is not searched; the threshold is a cosine strictly inside (−1, 1),
        // without the exact 1:1 decision's lower limit.
        var wide = new SyntheticFaces(256, 21);
        var wideProbe = GalleryProbe.Prepare(galleryKey, wide.Capture(wide.Identity()), 0.5, fixture.Encryptor);
        Assert.Equal((galleryKey.Id, 256), (wideProbe.GalleryKeyId, wideProbe.Dimension));
        Assert.Throws<ArgumentException>(() => gallery.Search(wideProbe));
        Assert.Throws<ArgumentOutOfRangeException>(() => GalleryProbe.Prepare(galleryKey, face, 1.0, fixture.Encryptor));
        Assert.Throws<ArgumentOutOfRangeException>(() => GalleryProbe.Prepare(galleryKey, face, -1.0, fixture.Encryptor));
        Assert.Throws<ArgumentOutOfRangeException>(() => GalleryProbe.Prepare(galleryKey, face, double.NaN, fixture.Encryptor));
        Assert.Equal(128, GalleryProbe.Prepare(galleryKey, face, 0.0, fixture.Encryptor).Dimension);
        Assert.Throws<ArgumentException>(() => gallery.Add(fixture.Encryptor, fixture.PublicKey, ["a", "b"], [galleryKey.Apply(face)]));

        // Every entry is under the one public key the gallery re-randomises its results with.
        gallery.Add(fixture.Encryptor, fixture.PublicKey, ["a"], [galleryKey.Apply(face)]);
        using var otherGallerySecret = CkksKeyGenerator.GenerateSecretKey(GalleryScheme.Parameters);
        Assert.Throws<ArgumentException>(() => gallery.Add(fixture.Encryptor, CkksKeyGenerator.CreatePublicKey(otherGallerySecret), ["b"], [galleryKey.Apply(face)]));
        Assert.Equal(1, gallery.Count);
        Assert.DoesNotContain(Convert.ToHexString(galleryKey.ExportSecret()), galleryKey.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Throws<ArgumentException>(() => GalleryTransformationKey.FromBytes("ttk_0123", GalleryProviderFixture.Purpose, new byte[32]));
    }

    [Fact]
    public void The_key_holder_decides_only_search_results_and_stops_when_its_budget_is_spent()
    {
        var faces = new SyntheticFaces(128, 22);
        using var galleryKey = GalleryTransformationKey.Generate(GalleryProviderFixture.Purpose);
        var gallery = new EncryptedGallery(128, galleryKey);
        var identity = faces.Identity();
        gallery.Add(fixture.Encryptor, fixture.PublicKey, ["only"], [galleryKey.Apply(faces.Capture(identity))]);
        var results = gallery.Search(GalleryProbe.Prepare(galleryKey, faces.Capture(identity), 0.5, fixture.Encryptor));

        var budget = new CountingBudget(limit: 2);
        using var keyHolder = fixture.KeyHolder(budget);
        var wrongLevel = new EncryptedBlockScores(["only"], fixture.Encryptor.Encrypt(fixture.PublicKey, fixture.Encryptor.Encode(new double[] { 1 }, scale: GalleryScheme.ResultScale)));
        Assert.Throws<CkksFormatException>(() => keyHolder.Identify([wrongLevel]));
        Assert.Equal(0, budget.Used);
        Assert.Equal(["only"], keyHolder.Identify(results));
        Assert.Equal(["only"], keyHolder.Identify(results));
        Assert.Throws<DecisionBudgetSpentException>(() => keyHolder.Identify(results));
        Assert.Throws<ArgumentException>(() => GalleryKeyHolder.Calibrate(fixture.SecretKey, maxDecryptions: fixture.Policy.MaxDecryptions * 4, trials: 2));
    }

    [Fact]
    public void Every_decision_carries_the_flooding_noise_a_margin_at_zero_goes_both_ways_one_at_seven_sigma_never_flips()
    {
        var faces = new SyntheticFaces(128, 24);
        using var galleryKey = GalleryTransformationKey.Generate(GalleryProviderFixture.Purpose);
        var identity = faces.Identity();
        var template = galleryKey.Apply(faces.Capture(identity));
        var probe = galleryKey.Apply(faces.Capture(identity));
        var gallery = new EncryptedGallery(128, galleryKey);
        gallery.Add(fixture.Encryptor, fixture.PublicKey, ["s"], [template]);

        // The threshold is the probe's own quantised score against the entry (about 0.8), so the margin is 0 up to CKKS
        // error (below 10^-10); a second threshold puts it 7 decision-noise standard deviations above 0.
        var score = Margins(probe, [[.. template.Values.ToArray().Select(v => (double)v)]], 0)[0].Real;
        var atZero = gallery.Search(GalleryProbe.FromTransformed(probe, score, fixture.Encryptor));
        var noise = GalleryKeyHolder.DecisionNoise(fixture.Policy);
        var clear = gallery.Search(GalleryProbe.FromTransformed(probe, score - (7 * noise), fixture.Encryptor));
        using var keyHolder = fixture.KeyHolder(new CountingBudget());

        // 40 fair coins all alike: probability 2^-39; a 7σ flip in 40 draws: below 10^-10.
        var matches = Enumerable.Range(0, 40).Count(_ => keyHolder.Identify(atZero).Count == 1);
        Assert.InRange(matches, 1, 39);
        Assert.All(Enumerable.Range(0, 40), _ => Assert.Single(keyHolder.Identify(clear)));
    }

    [Fact]
    [Trait(SlowTests.Category, SlowTests.Slow)]
    public void Renewal_moves_the_gallery_to_a_new_key_so_old_probes_find_no_one_within_the_calibrated_error_until_the_primes_run_out()
    {
        const int people = 300;
        var faces = new SyntheticFaces(128, 23);
        var identities = Enumerable.Range(0, people).Select(_ => faces.Identity()).ToArray();
        var captures = identities.Select(faces.Capture).ToArray();
        using var first = GalleryTransformationKey.Generate(GalleryProviderFixture.Purpose);
        using var second = GalleryTransformationKey.Generate(GalleryProviderFixture.Purpose);
        using var third = GalleryTransformationKey.Generate(GalleryProviderFixture.Purpose);
        var gallery = new EncryptedGallery(128, first);
        gallery.Add(fixture.Encryptor, fixture.PublicKey, [.. Enumerable.Range(0, people).Select(i => $"p{i}")], [.. captures.Select(first.Apply)]);
        using var otherPurpose = GalleryTransformationKey.Generate(PurposeId.Parse("another-gallery"));
        Assert.Throws<ArgumentException>(() => gallery.Renew(first, otherPurpose));
        Assert.Throws<ArgumentException>(() => gallery.Renew(second, third));

        var budget = new CountingBudget();
        using var keyHolder = fixture.KeyHolder(budget);
        var probeFace = faces.Capture(identities[123]);
        double[][] messages = [.. captures.Select(c => first.Apply(c).Values.ToArray().Select(v => (double)v).ToArray())];
        foreach (var (from, to) in new[] { (first, second), (second, third) })
        {
            var renewed = gallery.Renew(from, to);
            Assert.Equal((to.Id, gallery.RenewalsLeft - 1, people), (renewed.GalleryKeyId, renewed.RenewalsLeft, renewed.Count));

            // Every renewed entry encrypts M̃·y, M̃ = round(r·Q′Qᵀ)/r: within 10^-5 of Q′·x in each score, and with an
            // encryption error within the calibrated bound (the flooding covers it).
            var r = GalleryScheme.Parameters.CiphertextModuli.Moduli[gallery.Level].Value;
            var weights = EncryptedGallery.RenewalWeights(from, to, 128, r);
            messages = [.. messages.Select(y => weights.Select(row => row.Select((w, k) => w * y[k]).Sum() / r).ToArray())];
            var probe = to.Apply(probeFace);
            var results = renewed.Search(GalleryProbe.FromTransformed(probe, 0.5, fixture.Encryptor));
            var expected = Margins(probe, messages, 0.5);
            var exact = Margins(probe, [.. captures.Select(c => to.Apply(c).Values.ToArray().Select(v => (double)v).ToArray())], 0.5);
            Assert.True(expected.Zip(exact, (a, b) => (a - b).Magnitude).Max() < 1e-5);
            var error = NoiseFloodingPolicy.MeasureCoefficientError(fixture.Encryptor, fixture.SecretKey, results[0].Margins, expected);
            TestContext.Current.TestOutputHelper?.WriteLine($"renewal {GalleryScheme.MaxRenewals - renewed.RenewalsLeft}: search error 2^{Math.Log2(error):F1}, E = 2^{Math.Log2(fixture.Policy.ErrorBound):F1}");
            Assert.True(error <= fixture.Policy.ErrorBound, $"renewed error 2^{Math.Log2(error):F1} above the bound 2^{Math.Log2(fixture.Policy.ErrorBound):F1}");
            Assert.Equal(["p123"], keyHolder.Identify(results));

            // The old key's probes cannot be searched against the renewed gallery, and would score noise if they were.
            Assert.Throws<ArgumentException>(() => renewed.Search(GalleryProbe.Prepare(from, probeFace, 0.5, fixture.Encryptor)));
            var crossScore = from.Apply(probeFace).Similarity(to.Apply(captures[123]));
            Assert.InRange(crossScore, -0.5, 0.5); // N(0, 1/128): beyond 5.6σ with probability below 10^-7
            gallery = renewed;
        }

        Assert.Equal(0, gallery.RenewalsLeft);
        using var fourth = GalleryTransformationKey.Generate(GalleryProviderFixture.Purpose);
        Assert.Throws<InvalidOperationException>(() => gallery.Renew(third, fourth));
    }

    /// <summary>score_k − t in place k (real part of slot k, then imaginary parts), −t where no template sits.</summary>
    private static Complex[] Margins(TransformedTemplate probe, double[][] enrolled, double threshold)
    {
        var slotCount = GalleryScheme.Parameters.SlotCount;
        var expected = Enumerable.Repeat(new Complex(-threshold, -threshold), slotCount).ToArray();
        var quantised = new float[probe.Dimension];
        for (var j = 0; j < quantised.Length; j++)
        {
            quantised[j] = (float)(Math.Round(probe.Values[j] * 512.0) / 512);
        }

        for (var k = 0; k < enrolled.Length; k++)
        {
            var score = 0.0;
            for (var j = 0; j < quantised.Length; j++)
            {
                score += quantised[j] * enrolled[k][j];
            }

            expected[k % slotCount] += k < slotCount ? score : new Complex(0, score);
        }

        return expected;
    }
}
