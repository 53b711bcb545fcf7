using System.Runtime.InteropServices;
using System.Text.Json;
using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.GroupIds;
using Obscura.StoreAnalytics.Outbox;
using Obscura.TestSupport;
using SkiaSharp;

namespace Obscura.StoreAnalytics.Tests;

public sealed class EdgeProcessorTests
{
    [Fact]
    public async Task Every_face_outside_the_masks_becomes_one_event_with_zone_band_and_coarse_time()
    {
        using var input = new TempDirectory();
        var pair = TestPhotos.TwoFacesPng();
        File.WriteAllBytes(Path.Combine(input.Path, Frame.FileName("cam-door", EdgeFixtures.Morning, "png")), pair);
        File.WriteAllBytes(Path.Combine(input.Path, Frame.FileName("cam-till", EdgeFixtures.Morning.AddMinutes(7), "png")), pair);
        File.WriteAllBytes(Path.Combine(input.Path, "notes.txt"), "not a frame"u8.ToArray());
        using var secret = StoreSecret.Generate();
        using var edge = await EdgeFixtures.OpenAsync(EdgeFixtures.Configuration(), secret);

        var frames = Frame.InFolder(input.Path);
        Assert.Equal(2, frames.Count);
        Assert.Equal(2, edge.Process(frames[0]));
        Assert.Equal(1, edge.Process(frames[1]));

        var batch = Assert.Single(edge.CloseBands());
        Assert.Equal(TimeBand.Morning, batch.Band);
        Assert.Equal(new DateOnly(2026, 12, 4), batch.Date);
        Assert.Equal(2, batch.Events.Count(e => e.Zone == "entrance" && e.Kind == ZoneKind.Entrance && e.Minute == (9 * 60) + 30));
        var till = Assert.Single(batch.Events, e => e.Zone == "checkout");
        Assert.Equal((9 * 60) + 35, till.Minute);
        Assert.All(batch.Events, e => Assert.Equal(GroupIdDefaults.Parameters.Bits, e.GroupId.Length));
        Assert.Equal(2, batch.Tallies.Count);
        Assert.Empty(edge.OpenBands);
        TestContext.Current.TestOutputHelper?.WriteLine($"image residence p50 {edge.ImageResidence.P50.TotalMilliseconds:F1} ms, p99 {edge.ImageResidence.P99.TotalMilliseconds:F1} ms; embedding residence p50 {edge.EmbeddingResidence.P50.TotalMilliseconds:F3} ms, p99 {edge.EmbeddingResidence.P99.TotalMilliseconds:F3} ms");
        Assert.Equal(2, edge.ImageResidence.Count);
        Assert.Equal(3, edge.EmbeddingResidence.Count);
    }

    [Fact]
    public async Task Captures_below_the_minimum_group_size_never_leave_the_edge()
    {
        using var secret = StoreSecret.Generate();
        using var edge = await EdgeFixtures.OpenAsync(EdgeFixtures.Configuration(k: 3), secret);
        var pair = TestPhotos.TwoFacesPng();
        edge.Process("cam-door", EdgeFixtures.Morning, pair);
        var batch = Assert.Single(edge.CloseBands());
        Assert.Empty(batch.Events);
        Assert.Equal(2, batch.Suppressed);
        Assert.Single(batch.Tallies);
    }

    [Fact]
    public async Task Events_carry_only_the_allowed_fields()
    {
        using var secret = StoreSecret.Generate();
        using var edge = await EdgeFixtures.OpenAsync(EdgeFixtures.Configuration(), secret);
        edge.Process("cam-door", EdgeFixtures.Morning, TestPhotos.TwoFacesPng());
        using var key = EdgeSigningKey.Generate();
        var signed = key.Sign(Assert.Single(edge.CloseBands()));
        using var json = JsonDocument.Parse(signed.Payload);
        var root = json.RootElement;
        Assert.Equal(
            ["band", "batchId", "chunk", "date", "events", "reMatchByLength", "store", "suppressed", "tallies"],
            root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.All(root.GetProperty("events").EnumerateArray(), e => Assert.Equal(
            ["band", "date", "groupId", "kind", "minute", "store", "zone"],
            e.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)));
        Assert.All(root.GetProperty("tallies").EnumerateArray(), e => Assert.Equal(
            ["band", "date", "frames", "kind", "minute", "store", "zone"],
            e.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task No_image_or_embedding_reaches_the_edges_working_folder_its_outbox_or_the_network()
    {
        using var input = new TempDirectory();
        using var work = new TempDirectory();
        var frame = TestPhotos.TwoFacesPng();
        var framePath = Path.Combine(input.Path, Frame.FileName("cam-door", EdgeFixtures.Morning, "png"));
        File.WriteAllBytes(framePath, frame);
        using var secret = StoreSecret.Generate();
        using var key = EdgeSigningKey.Generate();
        var embeddings = new List<float[]>();
        var sent = new List<SignedBatch>();
        using (var edge = await EdgeFixtures.OpenAsync(EdgeFixtures.Configuration(), secret))
        using (var outbox = new EdgeOutbox(Path.Combine(work.Path, "outbox.db")))
        {
            edge.EmbeddingObserved = e => embeddings.Add(e.ToArray());
            foreach (var f in Frame.InFolder(input.Path))
            {
                edge.Process(f);
            }

            sent.AddRange(edge.CloseBands().Select(key.Sign));
            outbox.Enqueue(sent);
        }

        Assert.Equal(2, embeddings.Count);
        var secrets = Needles(frame, embeddings);
        var written = Directory.EnumerateFiles(work.Path, "*", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(written);
        foreach (var path in written)
        {
            var bytes = File.ReadAllBytes(path);
            Assert.All(secrets, n => Assert.True(bytes.AsSpan().IndexOf(n.Bytes) < 0, $"{Path.GetFileName(path)} holds {n.What}"));
        }

        // What goes on the network is the signed payload: scanned the same way.
        foreach (var batch in sent)
        {
            Assert.All(secrets, n => Assert.True(batch.Payload.AsSpan().IndexOf(n.Bytes) < 0 && batch.Signature.AsSpan().IndexOf(n.Bytes) < 0, $"a sent batch holds {n.What}"));
        }

        // The scan finds a needle that is there: an outbox that stored the embedding would fail this test.
        var leak = Path.Combine(work.Path, "leak.bin");
        File.WriteAllBytes(leak, [1, 2, .. MemoryMarshal.AsBytes(embeddings[0].AsSpan()), 3]);
        Assert.Contains(secrets, n => File.ReadAllBytes(leak).AsSpan().IndexOf(n.Bytes) >= 0);
    }

    /// <summary>Byte strings that would betray an image or embedding: 16-byte windows of each embedding (float32 and float64), its first value as text, encoded-frame windows and decoded pixel rows of the face areas.</summary>
    internal static List<(string What, byte[] Bytes)> Needles(byte[] frame, List<float[]> embeddings)
    {
        var needles = new List<(string, byte[])>();
        foreach (var e in embeddings)
        {
            for (var i = 0; i + 4 <= e.Length; i += 4)
            {
                needles.Add(("embedding float32", MemoryMarshal.AsBytes(e.AsSpan(i, 4)).ToArray()));
                needles.Add(("embedding float64", MemoryMarshal.AsBytes(e.AsSpan(i, 2).ToArray().Select(v => (double)v).ToArray().AsSpan()).ToArray()));
            }

            needles.Add(("embedding text", System.Text.Encoding.UTF8.GetBytes(e[0].ToString("R", System.Globalization.CultureInfo.InvariantCulture))));
        }

        for (var offset = 64; offset + 32 <= frame.Length; offset += 997)
        {
            needles.Add(("encoded frame", frame.AsSpan(offset, 32).ToArray()));
        }

        using var decoded = SKBitmap.Decode(frame);
        using var rgba = decoded.Copy(SKColorType.Rgba8888);
        var pixels = rgba.GetPixelSpan();
        for (var y = 60; y < 200; y += 20)
        {
            foreach (var x in new[] { 100, 380 })
            {
                needles.Add(("decoded pixels", pixels.Slice(((y * rgba.Width) + x) * 4, 48).ToArray()));
            }
        }

        return needles;
    }
}
