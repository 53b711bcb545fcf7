using BenchmarkDotNet.Attributes;
using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Identification;
using Obscura.Biometrics.Templates;
using Obscura.Governance.Purposes;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Benchmarks;

/// <summary>
/// The costs that are not per query, at 512 dimensions: renewal of one full block (8,192 templates) to a new gallery
/// key on all cores (M = Q′·Qᵀ in integers, then 512 output columns of two weighted sums, a rescale and a repack each;
/// a gallery of M templates costs about ⌈M / 8192⌉ times this); a gallery key's transform matrix at its first use;
/// and, for the per-subject-key alternative, one 1:1 key's transform of a probe.
/// </summary>
public class IdentificationRenewalBenchmarks
{
    private EncryptedGallery _gallery = null!;
    private GalleryTransformationKey _current = null!;
    private GalleryTransformationKey _next = null!;
    private TemplateTransformationKey _enrolmentKey = null!;
    private FaceTemplate _face = null!;

    [GlobalSetup]
    public void Setup()
    {
        var purpose = PurposeId.Parse("bench-watchlist");
        _current = GalleryTransformationKey.Generate(purpose);
        _next = GalleryTransformationKey.Generate(purpose);
        using var secret = CkksKeyGenerator.GenerateSecretKey(GalleryScheme.Parameters);
        var encryptor = new CkksEncryptor(GalleryScheme.Parameters);
        var random = new Random(2);
        _enrolmentKey = TemplateTransformationKey.Generate();
        _face = FaceTemplate.FromEmbedding([.. Enumerable.Range(0, 512).Select(_ => (float)(random.NextDouble() - 0.5))]);
        _gallery = new EncryptedGallery(512, _current);
        _gallery.Add(encryptor, CkksKeyGenerator.CreatePublicKey(secret), [.. Enumerable.Range(0, EncryptedGallery.BlockSize).Select(i => $"s{i}")], [.. Enumerable.Range(0, EncryptedGallery.BlockSize).Select(_ => IdentificationBenchmarks.RandomTransformed(_current.Id, random))]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _current.Dispose();
        _next.Dispose();
        _enrolmentKey.Dispose();
    }

    [Benchmark(Description = "renew one block of 8,192 templates to a new gallery key (2 cores)")]
    public EncryptedGallery Renew() => _gallery.Renew(_current, _next);

    [Benchmark(Description = "gallery key: its transform matrix at first use (2 cores)")]
    public TransformedTemplate GalleryKeyFirstUse()
    {
        using var key = GalleryTransformationKey.Generate(PurposeId.Parse("bench-watchlist"));
        return key.Apply(_face);
    }

    [Benchmark(Description = "one 1:1 key's transform of a probe (per-subject keys would pay it per template)")]
    public TransformedTemplate OneToOneTransform() => CancelableTransform.Apply(_enrolmentKey, _face);
}
