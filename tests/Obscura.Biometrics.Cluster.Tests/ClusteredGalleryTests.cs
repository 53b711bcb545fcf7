using Obscura.Biometrics.Identification;
using Obscura.Biometrics.Keys;
using Obscura.Biometrics.Templates;
using Obscura.Governance.Purposes;
using Obscura.Homomorphic.Ckks;
using Obscura.TestSupport;

namespace Obscura.Biometrics.Cluster.Tests;

/// <summary>The 1:N provider key, its calibrated flooding policy, a gallery key and faces, made once for the cluster tests.</summary>
public sealed class ClusterGalleryFixture : IDisposable
{
    public const int Dimension = 128;

    /// <summary>Blocks of five people each: a gallery enrolled in several calls has one block per call.</summary>
    public const int PeoplePerBlock = 5;

    public ClusterGalleryFixture()
    {
        SecretKey = CkksKeyGenerator.GenerateSecretKey(GalleryScheme.Parameters);
        PublicKey = CkksKeyGenerator.CreatePublicKey(SecretKey);
        Policy = GalleryKeyHolder.Calibrate(SecretKey, maxDecryptions: null);
        GalleryKey = GalleryTransformationKey.Generate(PurposeId.Parse("border-watchlist"));
        var random = new Random(41);
        Faces = [.. Enumerable.Range(0, 40).Select(_ => RandomUnit(random))];
    }

    public CkksEncryptor Encryptor { get; } = new(GalleryScheme.Parameters);

    public CkksSecretKey SecretKey { get; }

    public CkksPublicKey PublicKey { get; }

    public NoiseFloodingPolicy Policy { get; }

    public GalleryTransformationKey GalleryKey { get; }

    /// <summary>Unit vectors in 128 dimensions: two of them have a cosine of about N(0, 1/128), far below any threshold used here.</summary>
    public float[][] Faces { get; }

    /// <summary>A gallery of <paramref name="blocks"/> blocks; person i is "person-i", face i.</summary>
    public EncryptedGallery Gallery(int blocks)
    {
        var gallery = new EncryptedGallery(Dimension, GalleryKey);
        for (var b = 0; b < blocks; b++)
        {
            var people = Enumerable.Range(b * PeoplePerBlock, PeoplePerBlock).ToArray();
            gallery.Add(Encryptor, PublicKey, [.. people.Select(i => $"person-{i}")], [.. people.Select(i => GalleryKey.Apply(FaceTemplate.FromEmbedding(Faces[i])))]);
        }

        return gallery;
    }

    /// <summary>A capture of person <paramref name="person"/>: the enrolled face plus noise, cosine about 0.9 to it.</summary>
    public GalleryProbe Probe(int person, int seed)
    {
        var random = new Random(seed);
        var noise = RandomUnit(random);
        var capture = Faces[person].Select((v, j) => v + (0.5f * noise[j])).ToArray();
        return GalleryProbe.Prepare(GalleryKey, FaceTemplate.FromEmbedding(capture), 0.5, Encryptor);
    }

    public GalleryKeyHolder KeyHolder() =>
        new(CkksSerializer.ImportSecretKey(CkksSerializer.ExportSecretKey(SecretKey), GalleryScheme.Parameters), Policy, new UnlimitedBudget());

    public void Dispose()
    {
        GalleryKey.Dispose();
        SecretKey.Dispose();
    }

    private static float[] RandomUnit(Random random)
    {
        var v = Enumerable.Range(0, Dimension).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))).ToArray();
        var norm = (float)Math.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }

    /// <summary>A budget that counts but never runs out (the budget itself is tested with the key holder).</summary>
    private sealed class UnlimitedBudget : IDecryptionBudget
    {
        private long _used;

        public long Used => Interlocked.Read(ref _used);

        public void Reserve(NoiseFloodingPolicy policy) => Interlocked.Increment(ref _used);
    }
}

public sealed class ClusteredGalleryTests(ClusterGalleryFixture fixture) : IClassFixture<ClusterGalleryFixture>
{
    [Fact]
    public async Task A_gallery_sharded_over_three_silos_gives_the_single_process_search_results()
    {
        using var folder = new TempDirectory();
        await using var cluster = await StartAsync(3, new FileGalleryBlockStore(folder.Path));
        var (gallery, clustered) = (fixture.Gallery(blocks: 6), Clustered(cluster));
        await clustered.EnrolAsync(gallery, TestContext.Current.CancellationToken);
        Assert.Equal(6, await clustered.BlockCountAsync());

        // Orleans spreads the block grains: six blocks by activation count over three silos.
        var placement = await clustered.PlacementAsync(TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join(", ", placement));
        Assert.True(placement.Distinct().Count() >= 2, "every block on one silo");

        using var keyHolder = fixture.KeyHolder();
        foreach (var (person, seed) in new[] { (0, 1), (17, 2), (29, 3) })
        {
            var probe = fixture.Probe(person, seed);
            var local = gallery.Search(probe);
            var sharded = await clustered.SearchAsync(probe, TestContext.Current.CancellationToken);

            // The same blocks in the same order, the same subjects, and margins equal up to the fresh re-randomisation
            // (each result is a new encryption, so the ciphertexts differ but decrypt to the same values within 10^-6).
            Assert.Equal(local.Count, sharded.Count);
            for (var b = 0; b < local.Count; b++)
            {
                Assert.Equal(local[b].SubjectIds, sharded[b].SubjectIds);
                var expected = fixture.Encryptor.Decode(fixture.Encryptor.Decrypt(fixture.SecretKey, local[b].Margins));
                var actual = fixture.Encryptor.Decode(fixture.Encryptor.Decrypt(fixture.SecretKey, sharded[b].Margins));
                Assert.True(expected.Zip(actual, (x, y) => (x - y).Magnitude).Max() < 1e-6, $"block {b} decrypts to other margins");
            }

            // The key holder's decision path is the one of a single process, and finds the person.
            Assert.Equal([$"person-{person}"], keyHolder.Identify(sharded));
            Assert.Equal(keyHolder.Identify(local), keyHolder.Identify(sharded));
        }
    }

    [Fact]
    public async Task A_stopped_silo_s_blocks_reactivate_elsewhere_from_the_store_and_a_block_missing_there_fails_the_search_loudly()
    {
        using var folder = new TempDirectory();
        var store = new FileGalleryBlockStore(folder.Path);
        await using var cluster = await StartAsync(3, store);
        var (gallery, clustered) = (fixture.Gallery(blocks: 6), Clustered(cluster));
        await clustered.EnrolAsync(gallery, TestContext.Current.CancellationToken);
        using var keyHolder = fixture.KeyHolder();
        var probe = fixture.Probe(27, seed: 4);
        Assert.Equal(["person-27"], keyHolder.Identify(await clustered.SearchAsync(probe, TestContext.Current.CancellationToken)));

        // A silo that is not the primary (which holds the development membership table) and hosts blocks.
        var placement = await clustered.PlacementAsync(TestContext.Current.CancellationToken);
        var victim = placement.Where(s => s != cluster.Primary).GroupBy(s => s).OrderByDescending(g => g.Count()).First().Key;
        int[] moved = [.. placement.Select((s, i) => (s, i)).Where(p => p.s == victim).Select(p => p.i)];
        TestContext.Current.TestOutputHelper?.WriteLine($"stopping {victim}, which hosts blocks {string.Join(", ", moved)}");

        // Mid-way: the silo goes; the search after it reactivates its blocks on the other silos from the store.
        await cluster.StopSiloAsync(victim);
        Assert.Equal(["person-27"], keyHolder.Identify(await clustered.SearchAsync(probe, TestContext.Current.CancellationToken)));
        var after = await clustered.PlacementAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain(victim, after);
        Assert.All(after, s => Assert.Contains(s, cluster.Silos));

        // A block whose persisted copy is gone when its silo stops: the search fails, naming the block and no subject,
        // rather than answering from the other blocks.
        var lost = after.Select((s, i) => (s, i)).First(p => p.s != cluster.Primary);
        await store.DeleteAsync(GalleryBlockAddress.ForGallery(clustered.GalleryKey, lost.i).Key, TestContext.Current.CancellationToken);
        await cluster.StopSiloAsync(lost.s);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => clustered.SearchAsync(probe, TestContext.Current.CancellationToken));
        Assert.Contains($"block {lost.i} is not stored", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("person-", error.Message, StringComparison.Ordinal);

        // Enrolled again, the gallery is whole on the one silo left.
        await clustered.EnrolAsync(gallery, TestContext.Current.CancellationToken);
        Assert.Equal(["person-27"], keyHolder.Identify(await clustered.SearchAsync(probe, TestContext.Current.CancellationToken)));
        Assert.All(await clustered.PlacementAsync(TestContext.Current.CancellationToken), s => Assert.Equal(cluster.Primary, s));
    }

    [Fact]
    public async Task A_block_grain_refuses_a_crafted_block_or_probe_and_keeps_nothing_of_it()
    {
        using var folder = new TempDirectory();
        var store = new FileGalleryBlockStore(folder.Path);
        await using var cluster = await StartAsync(2, store);
        var (gallery, clustered) = (fixture.Gallery(blocks: 1), Clustered(cluster));
        var address = GalleryBlockAddress.ForGallery(clustered.GalleryKey, 0);
        var grain = cluster.Client.GetGrain<IGalleryBlockGrain>(address.Key);

        // A block with one residue at or above q_0 is refused by the grain and never reaches the store.
        var block = gallery.Blocks[0].Serialize();
        var crafted = (byte[])block.Clone();
        crafted.AsSpan(5 + 2 + 28 + 4 + 1 + 4 + (5 * 10) + 4 + 31, 4).Fill(0xFF);
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => grain.StoreAsync(crafted));
        Assert.Contains("not below its modulus", refused.Message, StringComparison.Ordinal);
        Assert.Null(await store.ReadAsync(address.Key, TestContext.Current.CancellationToken));

        // A probe whose integers are longer than a unit template's is refused before any search.
        await clustered.EnrolAsync(gallery, TestContext.Current.CancellationToken);
        var probe = fixture.Probe(0, seed: 5).Serialize();
        var weights = 5 + 2 + 28 + 8 + 4;
        for (var j = 0; j < ClusterGalleryFixture.Dimension; j++)
        {
            BitConverter.TryWriteBytes(probe.AsSpan(weights + (2 * j)), (short)300);
        }

        var error = await Assert.ThrowsAsync<ArgumentException>(() => grain.SearchAsync(probe));
        Assert.Contains("longer than a unit template", error.Message, StringComparison.Ordinal);

        // A block altered in the store (one residue at or above q_0) is refused when its grain reactivates: every search
        // then fails, naming the block, instead of searching altered ciphertexts.
        await store.WriteAsync(address.Key, crafted, TestContext.Current.CancellationToken);
        await cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var altered = await Assert.ThrowsAsync<InvalidOperationException>(() => clustered.SearchAsync(fixture.Probe(0, seed: 5), TestContext.Current.CancellationToken));
        Assert.Contains("block 0 in the store is refused", altered.Message, StringComparison.Ordinal);

        // A grain key that is no block address is refused at activation.
        await Assert.ThrowsAnyAsync<Exception>(() => cluster.Client.GetGrain<IGalleryBlockGrain>("gtk_00/128/../../etc").SearchAsync(probe));
    }

    [Fact]
    public async Task A_block_at_d_512_larger_than_orleans_default_message_limit_is_enrolled_and_searched()
    {
        // A serialised block at d = 512 is about 105 MB, over Orleans' default 100 MB message body: without the limits
        // AddEncryptedGallery and AddEncryptedGalleryClient set, the connection is closed and enrolment never completes.
        const int Wide = 512;
        using var galleryKey = GalleryTransformationKey.Generate(PurposeId.Parse("border-watchlist"));
        var random = new Random(43);
        var faces = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, Wide).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray()).ToArray();
        var gallery = new EncryptedGallery(Wide, galleryKey);
        gallery.Add(fixture.Encryptor, fixture.PublicKey, ["w0", "w1", "w2"], [.. faces.Select(f => galleryKey.Apply(FaceTemplate.FromEmbedding(f)))]);
        Assert.True(gallery.Blocks[0].Serialize().Length > 100 * 1024 * 1024);

        using var folder = new TempDirectory();
        await using var cluster = await StartAsync(1, new FileGalleryBlockStore(folder.Path));
        var clustered = new ClusteredGallery(cluster.Client, galleryKey.Id, Wide);
        await clustered.EnrolAsync(gallery, TestContext.Current.CancellationToken);
        using var keyHolder = fixture.KeyHolder();
        var probe = GalleryProbe.Prepare(galleryKey, FaceTemplate.FromEmbedding(faces[1]), 0.5, fixture.Encryptor);
        Assert.Equal(["w1"], keyHolder.Identify(await clustered.SearchAsync(probe, TestContext.Current.CancellationToken)));
    }

    [Fact]
    public void A_silo_refuses_a_public_key_with_a_zero_half_at_start_up()
    {
        var bytes = CkksSerializer.Serialize(fixture.PublicKey);
        bytes.AsSpan(22, (bytes.Length - 22) / 2).Clear();
        Assert.Throws<CkksFormatException>(() => new GallerySearchKey(bytes));
        Assert.Throws<ArgumentException>(() => GalleryBlockAddress.Parse("gtk_ab/128/-1"));
        Assert.Throws<ArgumentException>(() => GalleryBlockAddress.Parse("gtk_AB/128/0"));
        Assert.Throws<ArgumentException>(() => GalleryBlockAddress.Parse("gtk_ab/64/0"));
        Assert.Equal(new GalleryBlockAddress("gtk_ab", 128, 3), GalleryBlockAddress.Parse("gtk_ab/128/3"));
    }

    [Fact]
    public void The_biometrics_library_stays_free_of_orleans_only_the_cluster_assembly_references_it()
    {
        Assert.DoesNotContain(typeof(EncryptedGallery).Assembly.GetReferencedAssemblies(), a => a.Name!.StartsWith("Orleans", StringComparison.Ordinal));
        Assert.Contains(typeof(ClusteredGallery).Assembly.GetReferencedAssemblies(), a => a.Name!.StartsWith("Orleans", StringComparison.Ordinal));
    }

    private Task<LocalCluster> StartAsync(int silos, IGalleryBlockStore store) => LocalCluster.StartAsync(silos, store, CkksSerializer.Serialize(fixture.PublicKey));

    private ClusteredGallery Clustered(LocalCluster cluster) => new(cluster.Client, fixture.GalleryKey.Id, ClusterGalleryFixture.Dimension);
}
