using System.Numerics;
using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Identification;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Roles;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Tests;

[Collection(VerificationCollection.Name)]
public sealed class IdentificationTests(VerificationFixture fixture)
{
    [Fact]
    [Trait(SlowTests.Category, SlowTests.Slow)]
    public void A_probe_finds_exactly_its_own_identity_in_an_encrypted_gallery()
    {
        const int people = 4200; // more than N/2, so imaginary parts are used too
        var faces = new SyntheticFaces(128, 20);
        var identities = Enumerable.Range(0, people).Select(_ => faces.Identity()).ToArray();
        var ids = Enumerable.Range(0, people).Select(i => $"person-{i}").ToArray();
        using var galleryKey = TemplateTransformationKey.Generate();
        var encryptor = new CkksEncryptor(ProtectedTemplateScheme.Parameters);
        var publicKey = fixture.ProviderKeys.OpenPublicKey(fixture.Provider.EncryptionKeyId);
        var gallery = new EncryptedGallery(128, galleryKey.Id);
        TransformedTemplate[] enrolled = [.. identities.Select(i => CancelableTransform.Apply(galleryKey, faces.Capture(i)))];
        gallery.Add(encryptor, publicKey, ids, enrolled);
        Assert.Equal(people, gallery.Count);
        Assert.Equal(1, gallery.BlockCount);

        var probeTemplate = CancelableTransform.Apply(galleryKey, faces.Capture(identities[4150]));
        var probe = EncryptedGallery.EncryptProbe(encryptor, publicKey, probeTemplate, threshold: 0.5);
        var (relin, _) = fixture.ProviderKeys.OpenEvaluationKeys(fixture.Provider.EncryptionKeyId);
        var results = gallery.Search(probe, relin);

        using var secret = fixture.ProviderKeys.OpenDecryptionKey(fixture.Provider.EncryptionKeyId);
        // The key's default calibration (shared with the calibration test), at a budget of 100 decisions.
        var policy = new NoiseFloodingPolicy(fixture.DefaultCalibration.ErrorBound, 100);
        Assert.InRange(DecisionKeyHolder.DecisionNoise(policy), 0, 0.1);
        var slotCount = ProtectedTemplateScheme.Parameters.SlotCount;
        var expected = new Complex[slotCount];
        for (var k = 0; k < people; k++)
        {
            var margin = probeTemplate.Similarity(enrolled[k]) - 0.5; // empty places hold 0
            expected[k % slotCount] += k < slotCount ? margin : new Complex(0, margin);
        }

        // The 1:1 calibration must cover the 1:N circuit too, or its flooding would be too weak for it.
        var error = NoiseFloodingPolicy.MeasureCoefficientError(encryptor, secret, results[0].Margins, expected);
        Assert.True(error <= policy.ErrorBound, $"1:N error 2^{Math.Log2(error):F1} above the calibrated bound 2^{Math.Log2(policy.ErrorBound):F1}");

        using var keyHolder = new DecisionKeyHolder(fixture.ProviderKeys.OpenDecryptionKey(fixture.Provider.EncryptionKeyId), policy, new CountingBudget());
        Assert.Equal(["person-4150"], keyHolder.Identify(results));
        Assert.Throws<ArgumentException>(() => gallery.Search(probe[..^1], relin));
    }

    private sealed class CountingBudget : Keys.IDecryptionBudget
    {
        public long Used { get; private set; }

        public void Reserve() => Used++;
    }
}
