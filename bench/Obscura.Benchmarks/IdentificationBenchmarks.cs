using BenchmarkDotNet.Attributes;
using Obscura.Biometrics.Cancelable;
using Obscura.Biometrics.Identification;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Templates;
using Obscura.Governance.Purposes;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Benchmarks;

/// <summary>
/// 1:N search of an encrypted gallery at 512 dimensions, one query per invocation, everything the query costs counted:
/// the probe's transform with the gallery key (a matrix-vector product: the key's matrix is made once, at its first use,
/// in the setup here and timed in <see cref="IdentificationRenewalBenchmarks"/>), its quantisation and threshold
/// plaintext, and the weighted sums over every block. Templates per second = <see cref="Templates"/> / the query's time. The key holder's flooded decisions (one
/// decryption per block of 8,192) are a separate row. <see cref="IdentificationBaselineBenchmarks"/> measures the layout
/// before issue 13 in the same run.
/// </summary>
public class IdentificationBenchmarks
{
    private static readonly Dictionary<int, EncryptedGallery> Galleries = [];
    private static readonly Dictionary<int, short[][]> Floors = [];
    private static readonly Lazy<Fixture> Shared = new(() => new Fixture());
    private FaceTemplate _probe = null!;
    private EncryptedGallery _gallery = null!;
    private IReadOnlyList<EncryptedBlockScores> _results = null!;
    private short[][] _floor = null!;

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
                gallery.Add(shared.Encryptor, shared.PublicKey, [.. Enumerable.Range(start, count).Select(i => $"s{i}")], [.. Enumerable.Range(0, count).Select(_ => RandomTransformed(shared.GalleryKey.Id, random))]);
            }

            Galleries[Templates] = gallery;
        }

        _gallery = gallery;
        if (!Floors.TryGetValue(Templates, out var floor))
        {
            // The bytes a search reads: 512 columns × 2 primes × 2 components × 4 bytes per template, in 8,192-template slabs.
            floor = [.. Enumerable.Range(0, Templates / EncryptedGallery.BlockSize).Select(_ => Enumerable.Range(0, EncryptedGallery.BlockSize * 512 * 2 * 2 * 2).Select(i => unchecked((short)i)).ToArray())];
            Floors[Templates] = floor;
        }

        _floor = floor;
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

    [Benchmark(Description = "memory floor: read the bytes a search reads once (2 cores)")]
    public long MemoryFloor()
    {
        long total = 0;
        Parallel.For(0, _floor.Length * 64, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, part =>
        {
            var slab = _floor[part / 64];
            var length = slab.Length / 64;
            var vectors = System.Runtime.InteropServices.MemoryMarshal.Cast<short, System.Runtime.Intrinsics.Vector256<short>>(slab.AsSpan(part % 64 * length, length));
            var sum = System.Runtime.Intrinsics.Vector256<short>.Zero;
            foreach (var v in vectors)
            {
                sum += v;
            }

            Interlocked.Add(ref total, System.Runtime.Intrinsics.Vector256.Sum(sum));
        });
        return total;
    }

    [Benchmark(Description = "key holder: flooded decisions, one per block (one core)")]
    public IReadOnlyList<string> Identify() => Shared.Value.KeyHolder.Identify(_results);

    /// <summary>
    /// A gallery entry without the 4 ms transform per template (minutes for 131,072): a Haar-random transform of any face
    /// is a uniform unit vector, which this draws directly. The search's time does not depend on the values.
    /// </summary>
    internal static TransformedTemplate RandomTransformed(string keyId, Random random)
    {
        var v = Enumerable.Range(0, 512).Select(_ => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())).ToArray();
        var norm = Math.Sqrt(v.Sum(x => x * x));
        return new TransformedTemplate(keyId, [.. v.Select(x => (float)(x / norm))]);
    }

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

        public void Reserve(NoiseFloodingPolicy policy)
        {
        }
    }
}
