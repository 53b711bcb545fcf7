using BenchmarkDotNet.Attributes;
using Obscura.Biometrics.Identification;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Templates;
using Obscura.Governance.Purposes;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Benchmarks;

/// <summary>
/// 1:N search of an encrypted gallery at 512 dimensions, one query per invocation, everything the query costs counted:
/// the probe's transform with the gallery key, its quantisation and threshold plaintext, and the weighted sums over every
/// block. Templates per second = <see cref="Templates"/> / the query's time. The key holder's flooded decisions (one
/// decryption per block of 8,192) are a separate row. <see cref="IdentificationBaselineBenchmarks"/> measures the layout
/// before issue 13 in the same run.
/// </summary>
public class IdentificationBenchmarks
{
    private static readonly Dictionary<int, EncryptedGallery> Galleries = [];
    private static readonly Lazy<Fixture> Shared = new(() => new Fixture());
    private FaceTemplate _probe = null!;
    private EncryptedGallery _gallery = null!;
    private IReadOnlyList<EncryptedBlockScores> _results = null!;

    /// <summary>Gallery size: two full blocks, and sixteen.</summary>
    [Params(16384, 131072)]
    public int Templates { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var shared = Shared.Value;
        if (!Galleries.TryGetValue(Templates, out var gallery))
        {
            gallery = new EncryptedGallery(512, shared.GalleryKey);
            var random = new Random(Templates);
            for (var start = 0; start < Templates; start += EncryptedGallery.BlockSize)
            {
                var count = Math.Min(EncryptedGallery.BlockSize, Templates - start);
                gallery.Add(shared.Encryptor, shared.PublicKey, [.. Enumerable.Range(start, count).Select(i => $"s{i}")], [.. Enumerable.Range(0, count).Select(_ => shared.GalleryKey.Apply(Face(random)))]);
            }

            Galleries[Templates] = gallery;
        }

        _gallery = gallery;
        _probe = Face(new Random(-1));
        _results = _gallery.Search(GalleryProbe.Prepare(shared.GalleryKey, _probe, 0.5, shared.Encryptor));
    }

    [Benchmark(Description = "1:N query: probe transform + quantisation + search (2 cores)")]
    public IReadOnlyList<EncryptedBlockScores> Query() =>
        _gallery.Search(GalleryProbe.Prepare(Shared.Value.GalleryKey, _probe, 0.5, Shared.Value.Encryptor));

    [Benchmark(Description = "1:N query (one core)")]
    public IReadOnlyList<EncryptedBlockScores> QueryOneCore() =>
        _gallery.Search(GalleryProbe.Prepare(Shared.Value.GalleryKey, _probe, 0.5, Shared.Value.Encryptor), maxDegreeOfParallelism: 1);

    [Benchmark(Description = "probe preparation alone (transform, quantise, threshold)")]
    public GalleryProbe PrepareProbe() => GalleryProbe.Prepare(Shared.Value.GalleryKey, _probe, 0.5, Shared.Value.Encryptor);

    [Benchmark(Description = "key holder: flooded decisions, one per block (one core)")]
    public IReadOnlyList<string> Identify() => Shared.Value.KeyHolder.Identify(_results);

    private static FaceTemplate Face(Random random) => FaceTemplate.FromEmbedding([.. Enumerable.Range(0, 512).Select(_ => (float)(random.NextDouble() - 0.5))]);

    private sealed class Fixture
    {
        public Fixture()
        {
            var secret = CkksKeyGenerator.GenerateSecretKey(GalleryScheme.Parameters);
            PublicKey = CkksKeyGenerator.CreatePublicKey(secret);
            KeyHolder = new GalleryKeyHolder(secret, GalleryKeyHolder.Calibrate(secret, maxDecryptions: null), new UnlimitedBudget());
        }

        public CkksEncryptor Encryptor { get; } = new(GalleryScheme.Parameters);

        public CkksPublicKey PublicKey { get; }

        public GalleryTransformationKey GalleryKey { get; } = GalleryTransformationKey.Generate(PurposeId.Parse("bench-watchlist"));

        public GalleryKeyHolder KeyHolder { get; }
    }

    /// <summary>The timing does not depend on the count; the benchmark runs more decisions than a policy allows.</summary>
    private sealed class UnlimitedBudget : IDecryptionBudget
    {
        public long Used => 0;

        public void Reserve()
        {
        }
    }
}
