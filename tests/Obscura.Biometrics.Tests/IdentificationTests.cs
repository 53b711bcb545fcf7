using System.Numerics;
using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Identification;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Tests;

public sealed class IdentificationTests
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
        // 1:N has its own approximate-scheme key, not the provider's 1:1 key.
        var p = GalleryScheme.Parameters;
        var encryptor = new CkksEncryptor(p);
        using var galleryEncryptionKey = CkksKeyGenerator.GenerateSecretKey(p);
        var publicKey = CkksKeyGenerator.CreatePublicKey(galleryEncryptionKey);
        var gallery = new EncryptedGallery(128, galleryKey.Id);
        TransformedTemplate[] enrolled = [.. identities.Select(i => CancelableTransform.Apply(galleryKey, faces.Capture(i)))];
        gallery.Add(encryptor, publicKey, ids, enrolled);
        Assert.Equal(people, gallery.Count);
        Assert.Equal(1, gallery.BlockCount);

        var probeTemplate = CancelableTransform.Apply(galleryKey, faces.Capture(identities[4150]));
        var probe = EncryptedGallery.EncryptProbe(encryptor, publicKey, probeTemplate, threshold: 0.5);
        var relin = CkksKeyGenerator.CreateRelinearizationKey(galleryEncryptionKey);
        var results = gallery.Search(probe, relin);
        var slotCount = p.SlotCount;
        var expected = new Complex[slotCount];
        for (var k = 0; k < people; k++)
        {
            var margin = probeTemplate.Similarity(enrolled[k]) - 0.5; // empty places hold 0
            expected[k % slotCount] += k < slotCount ? margin : new Complex(0, margin);
        }

        // The flooding bound E covers the measured 1:N circuit error eight times over, for a budget of 100 decryptions.
        var error = NoiseFloodingPolicy.MeasureCoefficientError(encryptor, galleryEncryptionKey, results[0].Margins, expected);
        var policy = new NoiseFloodingPolicy(8 * Math.Max(error, 1), 100);
        Assert.InRange(policy.SlotStandardDeviation(p, p.DefaultScale * p.DefaultScale), 0, 0.1);

        using var keyHolder = new GalleryKeyHolder(CkksSerializer.ImportSecretKey(CkksSerializer.ExportSecretKey(galleryEncryptionKey), p), policy, new CountingBudget());
        Assert.Equal(["person-4150"], keyHolder.Identify(results));
        Assert.Throws<ArgumentException>(() => gallery.Search(probe[..^1], relin));
    }

    private sealed class CountingBudget : Keys.IDecryptionBudget
    {
        public long Used { get; private set; }

        public void Reserve() => Used++;
    }
}
