using System.Diagnostics;
using System.Globalization;
using Obscura.Biometrics.Onnx.Capture;
using Obscura.Biometrics.Onnx.Models;

namespace Obscura.Benchmarks;

/// <summary>
/// The capture pipeline (decode → detect → align → embed) on the committed real photos with the pinned models, in one
/// run: per face on one core (stage medians and p99 over every round), then images/s on one core and on all cores.
/// Usage: <c>dotnet run -c Release --project bench/Obscura.Benchmarks -- capture [--rounds 30] [--photos DIR]</c>.
/// Fetches the models first when the model folder lacks them.
/// </summary>
internal static class CaptureBench
{
    /// <summary>The first argument that selects this run instead of BenchmarkDotNet.</summary>
    public const string Command = "capture";

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = 30;
        var photosDir = Path.Combine(AppContext.BaseDirectory, "data", "photos");
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--rounds" when int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var r) && r > 0:
                    rounds = r;
                    break;
                case "--photos":
                    photosDir = args[i + 1];
                    break;
                default:
                    await Console.Error.WriteLineAsync("usage: capture [--rounds N] [--photos DIR]");
                    return 2;
            }
        }

        var store = new FaceModelStore(FaceModelStore.DefaultDirectory);
        using (var http = new HttpClient())
        {
            await store.FetchAsync(FaceModelCatalog.All, http, progress: new Progress<string>(Console.Error.WriteLine));
        }

        var photos = Directory.EnumerateFiles(photosDir).Where(p => p.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            .Select(p => (Name: Path.GetFileName(p), Bytes: File.ReadAllBytes(p))).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        using var capture = FaceCapture.Open(store);
        var faces = photos.Where(p => capture.Capture(p.Bytes).Succeeded).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"photos: {string.Join(", ", photos.Select(p => p.Name))}; with one face: {faces.Count}; rounds: {rounds}; cores: {Environment.ProcessorCount}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Environment.OSVersion}, {RuntimeInformationText()}"));

        // Warm-up, then every face `rounds` times on this thread (ONNX Runtime uses one intra-op thread per session).
        foreach (var face in faces)
        {
            capture.Capture(face.Bytes);
        }

        var timings = new List<CaptureTimings>();
        var single = Stopwatch.StartNew();
        for (var r = 0; r < rounds; r++)
        {
            foreach (var face in faces)
            {
                timings.Add(capture.Capture(face.Bytes).Timings);
            }
        }

        single.Stop();
        var perSecondOne = timings.Count / single.Elapsed.TotalSeconds;

        var all = Stopwatch.StartNew();
        var count = rounds * faces.Count * Environment.ProcessorCount;
        Parallel.For(0, count, i => capture.Capture(faces[i % faces.Count].Bytes));
        all.Stop();
        var perSecondAll = count / all.Elapsed.TotalSeconds;

        Console.WriteLine();
        Console.WriteLine("| stage, one core | p50 ms | p99 ms |");
        Console.WriteLine("| --- | ---: | ---: |");
        void Row(string name, Func<CaptureTimings, TimeSpan> pick)
        {
            var sorted = timings.Select(t => pick(t).TotalMilliseconds).Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {sorted[sorted.Count / 2]:F2} | {sorted[Math.Min(sorted.Count - 1, (int)(0.99 * sorted.Count))]:F2} |"));
        }

        Row("decode", t => t.Decode);
        Row("detect (BlazeFace front 128)", t => t.Detect);
        Row("align", t => t.Align);
        Row("embed (dlib ResNet)", t => t.Embed);
        Row("detect + align + embed", t => t.Detect + t.Align + t.Embed);
        Row("total", t => t.Total);
        Row("image residence", t => t.ImageResidence);
        Row("raw embedding residence", t => t.EmbeddingResidence);
        Console.WriteLine();
        Console.WriteLine("| throughput | images/s | ratio to one core |");
        Console.WriteLine("| --- | ---: | ---: |");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| one core | {perSecondOne:F1} | 1.00 |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| all {Environment.ProcessorCount} cores | {perSecondAll:F1} | {perSecondAll / perSecondOne:F2} |"));
        return 0;
    }

    private static string RuntimeInformationText() =>
        $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}";
}
