using BenchmarkDotNet.Attributes;
using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Identification;
using Obscura.Biometrics.Templates;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Benchmarks;

/// <summary>
/// 1:N search of an encrypted gallery of 16,384 templates (two full blocks) at 512 dimensions. Divide 16,384
/// by the search time for templates per second; the probe's encryption is a fixed cost per query.
/// </summary>
public class IdentificationBenchmarks
{
    private const int Templates = 16384;
    private EncryptedGallery _gallery = null!;
    private CkksEncryptor _encryptor = null!;
    private CkksPublicKey _publicKey = null!;
    private CkksRelinearizationKey _relinearizationKey = null!;
    private TransformedTemplate _probe = null!;
    private CkksCiphertext[] _encryptedProbe = null!;
    private TemplateTransformationKey _galleryKey = null!;

    [GlobalSetup]
    public void Setup()
    {
        var p = GalleryScheme.Parameters;
        _encryptor = new CkksEncryptor(p);
        using var secret = CkksKeyGenerator.GenerateSecretKey(p);
        _publicKey = CkksKeyGenerator.CreatePublicKey(secret);
        _relinearizationKey = CkksKeyGenerator.CreateRelinearizationKey(secret);
        _galleryKey = TemplateTransformationKey.Generate();
        var random = new Random(1);
        TransformedTemplate Template() =>
            CancelableTransform.Apply(_galleryKey, FaceTemplate.FromEmbedding([.. Enumerable.Range(0, 512).Select(_ => (float)(random.NextDouble() - 0.5))]));
        _gallery = new EncryptedGallery(512, _galleryKey.Id);
        _gallery.Add(_encryptor, _publicKey, [.. Enumerable.Range(0, Templates).Select(i => $"s{i}")], [.. Enumerable.Range(0, Templates).Select(_ => Template())]);
        _probe = Template();
        _encryptedProbe = EncryptedGallery.EncryptProbe(_encryptor, _publicKey, _probe, 0.5);
    }

    [GlobalCleanup]
    public void Cleanup() => _galleryKey.Dispose();

    [Benchmark(Description = "search 16,384 templates (all cores)")]
    public IReadOnlyList<EncryptedBlockScores> Search() => _gallery.Search(_encryptedProbe, _relinearizationKey);

    [Benchmark(Description = "search 16,384 templates (one core)")]
    public IReadOnlyList<EncryptedBlockScores> SearchOneCore() => _gallery.Search(_encryptedProbe, _relinearizationKey, maxDegreeOfParallelism: 1);

    [Benchmark(Description = "encrypt probe: 513 ciphertexts (all cores)")]
    public CkksCiphertext[] EncryptProbe() => EncryptedGallery.EncryptProbe(_encryptor, _publicKey, _probe, 0.5);
}
