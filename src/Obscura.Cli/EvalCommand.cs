using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Obscura.Biometrics.Evaluation;
using Obscura.Biometrics.Protection;
using Obscura.Biometrics.Templates;
using Obscura.Plots;

namespace Obscura.Cli;

/// <summary>
/// <c>obscura eval</c>: verification accuracy in plaintext, after the cancelable transform and under encryption, and
/// the unlinkability of the transform, from a labelled-embeddings CSV. Needs no data folder or server.
/// </summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var embeddings = new Option<FileInfo?>("--embeddings") { Description = "CSV of labelled embeddings: label,v1,…,vd per line." };
        var images = new Option<DirectoryInfo?>("--images") { Description = "Folder with one subfolder of photos per identity: every photo goes through the capture pipeline (detect, align, embed) first." };
        var models = PhotoCapture.ModelsOption();
        var thresholds = new Option<string>("--thresholds") { Description = "Comma-separated thresholds for FMR/FNMR.", DefaultValueFactory = _ => "0.3,0.4,0.5,0.6,0.7" };
        var impostors = new Option<int>("--impostor-pairs") { Description = "Impostor pairs to sample (deterministic).", DefaultValueFactory = _ => 2000 };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Folder for the DET and unlinkability curves: CSV data and PNG plots." };
        var deployed = new Option<int>("--deployed-pairs") { Description = "Pairs (half genuine, half impostor) sent through the deployed decision path, with its blinding and flooding noise; 0 for none.", DefaultValueFactory = _ => 64 };
        var threshold = new Option<double>("--threshold") { Description = "The decision threshold of the deployed-path sample.", DefaultValueFactory = _ => 0.5 };
        var register = ReportRegistration.Option();
        var command = new Command("eval", "Evaluate FMR/FNMR, EER and unlinkability in plaintext, after the transform and under encryption.")
        {
            embeddings, images, models, thresholds, impostors, output, deployed, threshold, register,
        };
        command.SetAction((result, ct) =>
        {
            IReadOnlyList<LabelledTemplate> templates;
            PhotoEvaluation? photos = null;
            double[] chosen;
            try
            {
                if ((result.GetValue(embeddings) is null) == (result.GetValue(images) is null))
                {
                    throw new FormatException("Give exactly one of --embeddings (a CSV) and --images (a folder of photos).");
                }

                if (result.GetValue(embeddings) is { } csv)
                {
                    using var reader = File.OpenText(csv.FullName);
                    templates = EmbeddingFile.ReadLabelledCsv(reader);
                }
                else
                {
                    photos = PhotoEvaluation.Run(result.GetValue(images)!, result.GetValue(models), stderr);
                    templates = photos.Templates;
                }

                chosen = [.. result.GetValue(thresholds)!.Split(',').Select(t => double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture))];
                if (result.GetValue(impostors) < 1)
                {
                    throw new FormatException("--impostor-pairs is at least 1.");
                }

                if (result.GetValue(deployed) < 0)
                {
                    throw new FormatException("--deployed-pairs is at least 0.");
                }

                if (result.GetValue(threshold) is var t && !(t >= ProtectedTemplateScheme.MinimumThreshold && t < 1))
                {
                    throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"--threshold is a cosine similarity from {ProtectedTemplateScheme.MinimumThreshold:F3} up to (not including) 1."));
                }

                if (result.GetValue(register) is { } name)
                {
                    ReportRegistration.EnsureFree(result, name);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                stderr.WriteLine(ex.Message);
                return Task.FromResult(ExitCodes.Usage);
            }
            catch (CliFailure ex)
            {
                stderr.WriteLine(ex.Message);
                return Task.FromResult(ex.ExitCode);
            }

            EvaluationScores scores;
            try
            {
                stderr.WriteLine($"scoring {templates.Count} templates in plaintext, transformed and encrypted, and {result.GetValue(deployed)} pairs through the deployed decision path…");
                scores = ProtectedEvaluation.Run(templates, result.GetValue(impostors), deployedPairs: result.GetValue(deployed), threshold: result.GetValue(threshold));
            }
            catch (ArgumentException ex)
            {
                stderr.WriteLine(ex.Message);
                return Task.FromResult(ExitCodes.Refused);
            }

            var plain = new VerificationMetrics(scores.PlainGenuine, scores.PlainImpostor);
            var transformed = new VerificationMetrics(scores.TransformedGenuine, scores.TransformedImpostor);
            var encrypted = new VerificationMetrics(scores.EncryptedGenuine, scores.EncryptedImpostor);
            var quantised = new VerificationMetrics(scores.QuantisedGenuine, scores.QuantisedImpostor);
            var linkage = Unlinkability.Estimate(scores.MatedAcrossKeys, scores.NonMatedAcrossKeys);
            object Summary(VerificationMetrics m) => new { equalErrorRate = m.EqualErrorRate().FalseMatchRate, rates = chosen.Select(m.At) };
            var report = new
            {
                capture = photos?.Summary(),
                templates = templates.Count,
                subjects = templates.Select(t => t.Label).Distinct().Count(),
                genuinePairs = plain.GenuineCount,
                impostorPairs = plain.ImpostorCount,
                maxScoreDeviation = scores.MaxDeviation,
                plaintext = Summary(plain),
                transformed = Summary(transformed),
                encrypted = new { circuit = EvaluationScores.EncryptedCircuit, equalErrorRate = encrypted.EqualErrorRate().FalseMatchRate, rates = chosen.Select(encrypted.At) },
                quantised = new
                {
                    scale = TemplateQuantisation.Scale,
                    equalErrorRate = quantised.EqualErrorRate().FalseMatchRate,
                    equalErrorRateChangePercentagePoints = 100 * (quantised.EqualErrorRate().FalseMatchRate - transformed.EqualErrorRate().FalseMatchRate),
                    rates = chosen.Select(quantised.At),
                },
                deployed = scores.Deployed is { } d ? DeployedSummary(d) : null,
                unlinkability = new { systemLinkability = linkage.System },
            };
            stdout.WriteLine(JsonSerializer.Serialize(report, CliJson.Indented));

            if (result.GetValue(output) is { } folder)
            {
                Obscura.Security.Files.OwnerOnlyFiles.CreateDirectory(folder.FullName);
                WriteDet(Path.Combine(folder.FullName, "det-plaintext.csv"), plain);
                WriteDet(Path.Combine(folder.FullName, "det-transformed.csv"), transformed);
                WriteDet(Path.Combine(folder.FullName, "det-encrypted.csv"), encrypted);
                WriteDet(Path.Combine(folder.FullName, "det-quantised.csv"), quantised);
                var curve = new StringBuilder("score,mated_density,non_mated_density,local_linkability\n");
                foreach (var bin in linkage.Curve)
                {
                    curve.AppendLine(CultureInfo.InvariantCulture, $"{bin.Score},{bin.MatedDensity},{bin.NonMatedDensity},{bin.LocalLinkability}");
                }

                Obscura.Security.Files.OwnerOnlyFiles.WriteAtomically(Path.Combine(folder.FullName, "unlinkability.csv"), curve.ToString());
                PlotFiles.WriteDet(Path.Combine(folder.FullName, "det.png"), [("Plaintext", plain), ("Transformed", transformed), ("Encrypted", encrypted)]);
                PlotFiles.WriteUnlinkability(Path.Combine(folder.FullName, "unlinkability.png"), linkage);
                stderr.WriteLine($"curves and plots written to {folder.FullName}");
            }

            if (result.GetValue(register) is { } reportName)
            {
                var dataset = result.GetValue(embeddings)?.FullName ?? result.GetValue(images)!.FullName;
                var registered = new PlotReport(
                    PlotReport.CurrentSchemaVersion,
                    reportName,
                    PlotReport.EvaluationKind,
                    "obscura eval",
                    dataset,
                    DateTimeOffset.UtcNow,
                    ReportRegistration.ToolVersion,
                    null,
                    Figures(templates, chosen, plain, transformed, encrypted, quantised, linkage, scores.Deployed),
                    PlotFiles.DetSeriesOf([("Plaintext", plain), ("Transformed", transformed), ("Encrypted", encrypted)]),
                    PlotFiles.UnlinkabilityBinsOf(linkage),
                    linkage.System,
                    null);
                return ReportRegistration.RegisterAsync(result, registered, "eval", stderr, ct);
            }

            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    /// <summary>The figures of a registered evaluation: sizes, each system's EER (the headline ones), error rates at each threshold and the linkability.</summary>
    private static List<ReportFigure> Figures(
        IReadOnlyList<LabelledTemplate> templates, double[] chosen, VerificationMetrics plain, VerificationMetrics transformed, VerificationMetrics encrypted, VerificationMetrics quantised, Unlinkability linkage, DeployedPathScores? deployed)
    {
        var figures = new List<ReportFigure>
        {
            new("Templates", templates.Count, ReportFigure.CountUnit, false),
            new("Subjects", templates.Select(t => t.Label).Distinct().Count(), ReportFigure.CountUnit, false),
            new("Genuine pairs", plain.GenuineCount, ReportFigure.CountUnit, false),
            new("Impostor pairs", plain.ImpostorCount, ReportFigure.CountUnit, false),
            new("EER, plaintext", plain.EqualErrorRate().FalseMatchRate, ReportFigure.RateUnit, true),
            new("EER, transformed", transformed.EqualErrorRate().FalseMatchRate, ReportFigure.RateUnit, false),
            new("EER, encrypted", encrypted.EqualErrorRate().FalseMatchRate, ReportFigure.RateUnit, true),
            new("EER, quantised", quantised.EqualErrorRate().FalseMatchRate, ReportFigure.RateUnit, false),
            new("System linkability D↔sys", linkage.System, null, true),
        };
        foreach (var (name, metrics) in new[] { ("plaintext", plain), ("encrypted", encrypted) })
        {
            foreach (var t in chosen)
            {
                var rates = metrics.At(t);
                figures.Add(new(string.Create(CultureInfo.InvariantCulture, $"FMR at {t:0.###}, {name}"), rates.FalseMatchRate, ReportFigure.RateUnit, false));
                figures.Add(new(string.Create(CultureInfo.InvariantCulture, $"FNMR at {t:0.###}, {name}"), rates.FalseNonMatchRate, ReportFigure.RateUnit, false));
            }
        }

        if (deployed is { } d && d.Genuine.Count > 0 && d.Impostor.Count > 0)
        {
            figures.Add(new(string.Create(CultureInfo.InvariantCulture, $"FMR at {d.Threshold:0.###}, deployed path"), d.Impostor.Count(x => x) / (double)d.Impostor.Count, ReportFigure.RateUnit, false));
            figures.Add(new(string.Create(CultureInfo.InvariantCulture, $"FNMR at {d.Threshold:0.###}, deployed path"), d.Genuine.Count(x => !x) / (double)d.Genuine.Count, ReportFigure.RateUnit, false));
        }

        return figures;
    }

    /// <summary>The deployed-path sample: which circuit, and its decisions at the threshold against plaintext and quantised decisions on the same pairs.</summary>
    private static object DeployedSummary(DeployedPathScores d)
    {
        ErrorRates? Rates(IReadOnlyList<double> genuine, IReadOnlyList<double> impostor) =>
            genuine.Count > 0 && impostor.Count > 0 ? new VerificationMetrics(genuine, impostor).At(d.Threshold) : null;
        double Share(IReadOnlyList<bool> decisions, bool match) => decisions.Count == 0 ? 0 : decisions.Count(x => x == match) / (double)decisions.Count;
        return new
        {
            circuit = d.Circuit,
            genuinePairs = d.Genuine.Count,
            impostorPairs = d.Impostor.Count,
            threshold = d.Threshold,
            decisionsDifferingFromQuantised = d.DecisionsDifferingFromQuantised,
            flippedDecisions = d.FlippedDecisions,
            plaintext = Rates(d.PlainGenuine, d.PlainImpostor),
            deployed = new ErrorRates(d.Threshold, Share(d.Impostor, match: true), Share(d.Genuine, match: false)),
        };
    }

    private static void WriteDet(string path, VerificationMetrics metrics)
    {
        var text = new StringBuilder("threshold,fmr,fnmr\n");
        foreach (var point in metrics.DetCurve())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{point.Threshold},{point.FalseMatchRate},{point.FalseNonMatchRate}");
        }

        Obscura.Security.Files.OwnerOnlyFiles.WriteAtomically(path, text.ToString());
    }
}
