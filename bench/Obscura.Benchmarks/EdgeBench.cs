using System.Diagnostics;
using System.Globalization;
using Obscura.Biometrics.Onnx.Models;
using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.GroupIds;
using SkiaSharp;

namespace Obscura.Benchmarks;

/// <summary>
/// The store edge on one core: frames of 640×360 with two faces (Hopper and Collins from the committed photos) through
/// masks → detection (BlazeFace front-128 or back-256) → embedding → group ID, then frames/s per core and the
/// residence p50/p99 of images and embeddings.
/// Usage: <c>dotnet run -c Release --project bench/Obscura.Benchmarks -- edge [--frames 200] [--detector front|back]</c>.
/// </summary>
internal static class EdgeBench
{
    /// <summary>The first argument that selects this run instead of BenchmarkDotNet.</summary>
    public const string Command = "edge";

    public static async Task<int> RunAsync(string[] args)
    {
        var frames = 200;
        var detector = FaceModelCatalog.BlazeFaceFront128;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--frames" when int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var f) && f > 0:
                    frames = f;
                    break;
                case "--detector" when args[i + 1] is "front" or "back":
                    detector = args[i + 1] == "back" ? FaceModelCatalog.BlazeFaceBack256 : FaceModelCatalog.BlazeFaceFront128;
                    break;
                default:
                    await Console.Error.WriteLineAsync("usage: edge [--frames N] [--detector front|back]");
                    return 2;
            }
        }

        var store = new FaceModelStore(FaceModelStore.DefaultDirectory);
        using (var http = new HttpClient())
        {
            await store.FetchAsync(FaceModelCatalog.All, http, progress: new Progress<string>(Console.Error.WriteLine));
        }

        var frame = Frame();
        var parameters = GroupIdDefaults.Parameters;
        var configuration = new EdgeConfiguration
        {
            Store = "bench",
            Zones = new Dictionary<string, ZoneKind> { ["entrance"] = ZoneKind.Entrance },
            Cameras = new Dictionary<string, CameraConfiguration> { ["cam"] = new() { Zone = "entrance", Masks = [new MaskRectangle(600, 0, 40, 360)] } },
            GroupIds = parameters,
            ReMatchByLength = [.. Enumerable.Range(0, parameters.Bits + 1).Select(_ => 0.5)],
        };
        var start = new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
        using var keys = DailyKeyRatchet.InMemory(configuration.Store, DateOnly.FromDateTime(start.UtcDateTime));
        using var edge = EdgeProcessor.Open(configuration, keys, store, detector);
        for (var i = 0; i < 5; i++)
        {
            edge.Process("cam", start, frame);
        }

        var faces = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < frames; i++)
        {
            faces += edge.Process("cam", start.AddSeconds(i), frame);
        }

        clock.Stop();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Environment.OSVersion}, {Environment.ProcessorCount} cores, detector {detector.Id}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{frames} frames of 640×360, {faces / (double)frames:F1} faces each: {frames / clock.Elapsed.TotalSeconds:F1} frames/s on one core"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"image residence p50 {edge.ImageResidence.P50.TotalMilliseconds:F1} ms, p99 {edge.ImageResidence.P99.TotalMilliseconds:F1} ms; embedding residence p50 {edge.EmbeddingResidence.P50.TotalMilliseconds * 1000:F0} µs, p99 {edge.EmbeddingResidence.P99.TotalMilliseconds * 1000:F0} µs"));
        return 0;
    }

    /// <summary>Hopper and Collins cropped to their faces, 180 px each, on a grey 640×360 frame, as JPEG 85.</summary>
    private static byte[] Frame()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "data", "photos");
        using var hopper = SKBitmap.Decode(Path.Combine(folder, "hopper.jpg"));
        using var collins = SKBitmap.Decode(Path.Combine(folder, "collins.jpg"));
        using var frame = new SKBitmap(640, 360);
        using (var canvas = new SKCanvas(frame))
        {
            canvas.Clear(SKColors.Gray);
            var sampling = new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear);
            using var h = SKImage.FromBitmap(hopper);
            using var c = SKImage.FromBitmap(collins);
            canvas.DrawImage(h, SKRect.Create(130, 90, 270, 270), SKRect.Create(60, 90, 180, 180), sampling);
            canvas.DrawImage(c, SKRect.Create(48, 48, 160, 160), SKRect.Create(380, 90, 180, 180), sampling);
        }

        using var image = SKImage.FromBitmap(frame);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 85);
        return data.ToArray();
    }
}
