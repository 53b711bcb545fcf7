using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Obscura.Biometrics.Evaluation;
using Obscura.Biometrics.Templates;
using Obscura.Cli.Charts;

namespace Obscura.Cli;

/// <summary>
/// <c>obscura eval</c>: verification accuracy in plaintext, after the cancelable transform and under encryption, and
/// the unlinkability of the transform, from a labelled-embeddings CSV. Needs no data folder or server.
/// </summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var embeddings = new Option<FileInfo>("--embeddings") { Description = "CSV of labelled embeddings: label,v1,…,vd per line.", Required = true };
        var thresholds = new Option<string>("--thresholds") { Description = "Comma-separated thresholds for FMR/FNMR.", DefaultValueFactory = _ => "0.3,0.4,0.5,0.6,0.7" };
        var impostors = new Option<int>("--impostor-pairs") { Description = "Impostor pairs to sample (deterministic).", DefaultValueFactory = _ => 2000 };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Folder for the DET and unlinkability curves: CSV data and PNG plots." };
        var command = new Command("eval", "Evaluate FMR/FNMR, EER and unlinkability in plaintext, after the transform and under encryption.")
        {
            embeddings, thresholds, impostors, output,
        };
        command.SetAction((result, _) =>
        {
            IReadOnlyList<LabelledTemplate> templates;
            double[] chosen;
            try
            {
                using (var reader = File.OpenText(result.GetValue(embeddings)!.FullName))
                {
                    templates = EmbeddingFile.ReadLabelledCsv(reader);
                }

                chosen = [.. result.GetValue(thresholds)!.Split(',').Select(t => double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture))];
                if (result.GetValue(impostors) < 1)
                {
                    throw new FormatException("--impostor-pairs is at least 1.");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                stderr.WriteLine(ex.Message);
                return Task.FromResult(ExitCodes.Usage);
            }

            EvaluationScores scores;
            try
            {
                stderr.WriteLine($"scoring {templates.Count} templates in plaintext, transformed and encrypted…");
                scores = ProtectedEvaluation.Run(templates, result.GetValue(impostors));
            }
            catch (ArgumentException ex)
            {
                stderr.WriteLine(ex.Message);
                return Task.FromResult(ExitCodes.Refused);
            }

            var plain = new VerificationMetrics(scores.PlainGenuine, scores.PlainImpostor);
            var transformed = new VerificationMetrics(scores.TransformedGenuine, scores.TransformedImpostor);
            var encrypted = new VerificationMetrics(scores.EncryptedGenuine, scores.EncryptedImpostor);
            var linkage = Unlinkability.Estimate(scores.MatedAcrossKeys, scores.NonMatedAcrossKeys);
            object Summary(VerificationMetrics m) => new { equalErrorRate = m.EqualErrorRate().FalseMatchRate, rates = chosen.Select(m.At) };
            var report = new
            {
                templates = templates.Count,
                subjects = templates.Select(t => t.Label).Distinct().Count(),
                genuinePairs = plain.GenuineCount,
                impostorPairs = plain.ImpostorCount,
                maxScoreDeviation = scores.MaxDeviation,
                plaintext = Summary(plain),
                transformed = Summary(transformed),
                encrypted = Summary(encrypted),
                unlinkability = new { systemLinkability = linkage.System },
            };
            stdout.WriteLine(JsonSerializer.Serialize(report, JsonOptions));

            if (result.GetValue(output) is { } folder)
            {
                folder.Create();
                WriteDet(Path.Combine(folder.FullName, "det-plaintext.csv"), plain);
                WriteDet(Path.Combine(folder.FullName, "det-transformed.csv"), transformed);
                WriteDet(Path.Combine(folder.FullName, "det-encrypted.csv"), encrypted);
                var curve = new StringBuilder("score,mated_density,non_mated_density,local_linkability\n");
                foreach (var bin in linkage.Curve)
                {
                    curve.AppendLine(CultureInfo.InvariantCulture, $"{bin.Score},{bin.MatedDensity},{bin.NonMatedDensity},{bin.LocalLinkability}");
                }

                File.WriteAllText(Path.Combine(folder.FullName, "unlinkability.csv"), curve.ToString());
                EvaluationPlots.WriteDet(Path.Combine(folder.FullName, "det.png"), [("PLAINTEXT", plain), ("TRANSFORMED", transformed), ("ENCRYPTED", encrypted)]);
                EvaluationPlots.WriteUnlinkability(Path.Combine(folder.FullName, "unlinkability.png"), linkage);
                stderr.WriteLine($"curves and plots written to {folder.FullName}");
            }

            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static void WriteDet(string path, VerificationMetrics metrics)
    {
        var text = new StringBuilder("threshold,fmr,fnmr\n");
        foreach (var point in metrics.DetCurve())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{point.Threshold},{point.FalseMatchRate},{point.FalseNonMatchRate}");
        }

        File.WriteAllText(path, text.ToString());
    }
}
