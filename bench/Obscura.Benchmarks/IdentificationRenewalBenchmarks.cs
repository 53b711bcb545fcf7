using BenchmarkDotNet.Attributes;
using Obscura.Biometrics.Identification;
using Obscura.Governance.Purposes;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Benchmarks;

/// <summary>
/// Renewal of one full block (8,192 templates at 512 dimensions) to a new gallery key on all cores: the two keys'
/// matrices, M = Q′·Qᵀ in integers, and 512 output columns of two weighted sums, a rescale and a repack each.
/// A gallery of M templates costs about ⌈M / 8192⌉ times this.
/// </summary>
public class IdentificationRenewalBenchmarks
{
    private EncryptedGallery _gallery = null!;
    private GalleryTransformationKey _current = null!;
    private GalleryTransformationKey _next = null!;

    [GlobalSetup]
    public void Setup()
    {
        var purpose = PurposeId.Parse("bench-watchlist");
        _current = GalleryTransformationKey.Generate(purpose);
        _next = GalleryTransformationKey.Generate(purpose);
        using var secret = CkksKeyGenerator.GenerateSecretKey(GalleryScheme.Parameters);
        var encryptor = new CkksEncryptor(GalleryScheme.Parameters);
        var random = new Random(2);
        _gallery = new EncryptedGallery(512, _current);
        _gallery.Add(encryptor, CkksKeyGenerator.CreatePublicKey(secret), [.. Enumerable.Range(0, EncryptedGallery.BlockSize).Select(i => $"s{i}")], [.. Enumerable.Range(0, EncryptedGallery.BlockSize).Select(_ => IdentificationBenchmarks.RandomTransformed(_current.Id, random))]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _current.Dispose();
        _next.Dispose();
    }

    [Benchmark(Description = "renew one block of 8,192 templates to a new gallery key (2 cores)")]
    public EncryptedGallery Renew() => _gallery.Renew(_current, _next);
}
