using System.Globalization;
using Obscura.Biometrics.Evaluation;
using Obscura.Biometrics.Onnx.Capture;

namespace Obscura.Cli;

/// <summary>
/// <c>obscura eval --images</c>: every photo of a folder (one subfolder per identity) through the capture pipeline,
/// on all cores with a progress line; the templates go on to the usual evaluation, the refusals and the residence
/// times into the report.
/// </summary>
internal sealed class PhotoEvaluation
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"];

    private PhotoEvaluation(IReadOnlyList<LabelledTemplate> templates, IReadOnlyList<(string Path, FaceCaptureResult Result)> results)
    {
        Templates = templates;
        Results = results;
    }

    /// <summary>The captured faces, labelled by subfolder.</summary>
    public IReadOnlyList<LabelledTemplate> Templates { get; }

    /// <summary>Every photo's outcome.</summary>
    public IReadOnlyList<(string Path, FaceCaptureResult Result)> Results { get; }

    /// <summary>Captures every photo under <paramref name="folder"/>.</summary>
    /// <exception cref="IOException">The folder has no subfolder with photos.</exception>
    /// <exception cref="CliFailure">The models are unavailable.</exception>
    public static PhotoEvaluation Run(DirectoryInfo folder, DirectoryInfo? models, TextWriter progress)
    {
        if (!folder.Exists)
        {
            throw new IOException($"{folder.FullName} does not exist.");
        }

        var photos = folder.EnumerateDirectories()
            .OrderBy(d => d.Name, StringComparer.Ordinal)
            .SelectMany(d => d.EnumerateFiles().Where(f => Extensions.Contains(f.Extension.ToLowerInvariant())).OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => (Label: d.Name, f.FullName)))
            .ToList();
        if (photos.Count == 0)
        {
            throw new IOException($"{folder.FullName} has no subfolder with photos (one subfolder per identity; .jpg, .png, .webp, .bmp, .gif).");
        }

        using var capture = PhotoCapture.Open(models, new FaceCaptureOptions());
        progress.WriteLine($"capturing {photos.Count} photos of {photos.Select(p => p.Label).Distinct().Count()} identities on {Environment.ProcessorCount} cores…");
        var bar = new ProgressBar(progress, photos.Count);
        var results = capture.CaptureFiles([.. photos.Select(p => p.FullName)], bar);
        bar.Finish();
        var templates = new List<LabelledTemplate>();
        var outcomes = new List<(string, FaceCaptureResult)>();
        for (var i = 0; i < photos.Count; i++)
        {
            outcomes.Add((Path.GetRelativePath(folder.FullName, photos[i].FullName), results[i]));
            if (results[i].Template is { } template)
            {
                templates.Add(new LabelledTemplate(photos[i].Label, template));
            }
            else
            {
                progress.WriteLine($"refused {Path.GetRelativePath(folder.FullName, photos[i].FullName)}: {results[i].Message}");
            }
        }

        return new PhotoEvaluation(templates, outcomes);
    }

    /// <summary>The report's <c>capture</c> section: counts, refusals by reason, and stage and residence times.</summary>
    public object Summary()
    {
        var captured = Results.Where(r => r.Result.Succeeded).Select(r => r.Result.Timings).ToList();
        static double Ms(TimeSpan t) => Math.Round(t.TotalMilliseconds, 3);
        double Percentile(Func<CaptureTimings, TimeSpan> pick, double p)
        {
            if (captured.Count == 0)
            {
                return 0;
            }

            var sorted = captured.Select(pick).Order().ToList();
            return Ms(sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)]);
        }

        return new
        {
            photos = Results.Count,
            captured = captured.Count,
            refused = Results.Where(r => !r.Result.Succeeded).GroupBy(r => r.Result.Refusal!.Value.ToString()).ToDictionary(g => g.Key, g => g.Select(r => r.Path).ToList()),
            milliseconds = new
            {
                decodeP50 = Percentile(t => t.Decode, 0.5),
                detectP50 = Percentile(t => t.Detect, 0.5),
                alignP50 = Percentile(t => t.Align, 0.5),
                embedP50 = Percentile(t => t.Embed, 0.5),
                imageResidenceP50 = Percentile(t => t.ImageResidence, 0.5),
                imageResidenceP99 = Percentile(t => t.ImageResidence, 0.99),
                rawEmbeddingResidenceP50 = Percentile(t => t.EmbeddingResidence, 0.5),
                rawEmbeddingResidenceP99 = Percentile(t => t.EmbeddingResidence, 0.99),
            },
        };
    }

    /// <summary>A one-line progress bar on standard error, redrawn at most every 2 %.</summary>
    private sealed class ProgressBar(TextWriter writer, int total) : IProgress<int>
    {
        private readonly Lock _lock = new();
        private int _shown = -1;

        public void Report(int value)
        {
            lock (_lock)
            {
                var fiftieth = value * 50 / total;
                if (fiftieth > _shown)
                {
                    _shown = fiftieth;
                    writer.Write(string.Create(CultureInfo.InvariantCulture, $"\r[{new string('#', fiftieth)}{new string('.', 50 - fiftieth)}] {value}/{total}"));
                }
            }
        }

        public void Finish() => writer.WriteLine();
    }
}
