using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Obscura.ModelPrivacy.Audit;
using Obscura.ModelPrivacy.Data;
using Obscura.ModelPrivacy.Runs;
using Obscura.ModelPrivacy.Training;

namespace Obscura.Cli;

/// <summary>
/// <c>obscura audit model</c>: a membership-inference audit (LiRA online and offline, loss baseline) of a training
/// recipe on real image records, with a plain-language verdict for a DPO, the ROC curves as CSV and as a log–log PNG
/// and, with
/// <c>--purpose</c>, a record in the audit ledger.
/// </summary>
internal static class AuditCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var dataDir = new Option<DirectoryInfo>("--data-dir") { Description = "Folder with train-images-idx3-ubyte and train-labels-idx1-ubyte (gzipped or not), e.g. Debian's /usr/share/datasets/fashion-mnist.", Required = true };
        var pool = new Option<int>("--pool") { Description = "Records audited (the first N); the target and each shadow train on a random half.", DefaultValueFactory = _ => 2000 };
        var shadows = new Option<int>("--shadows") { Description = "Shadow models for LiRA.", DefaultValueFactory = _ => 16 };
        var hidden = new Option<int>("--hidden") { Description = "Hidden units of the audited recipe (0: logistic regression).", DefaultValueFactory = _ => 128 };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs of the recipe.", DefaultValueFactory = _ => 60 };
        var batch = new Option<int>("--batch") { Description = "Batch size of the recipe.", DefaultValueFactory = _ => 32 };
        var rate = new Option<float>("--learning-rate") { Description = "Learning rate of the recipe.", DefaultValueFactory = _ => 0.1f };
        var sigma = new Option<double?>("--noise-multiplier") { Description = "Audit the DP-SGD version of the recipe at this σ (clip --clip)." };
        var clip = new Option<float>("--clip") { Description = "DP-SGD clipping norm.", DefaultValueFactory = _ => 1f };
        var seed = new Option<int>("--seed") { Description = "Seed of the splits and the models (an audit is an experiment, not a release).", DefaultValueFactory = _ => 1 };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Folder for the ROC curves: roc-ATTACK.csv (fpr,tpr) per attack and roc.png (every attack on log-log axes)." };
        var purpose = CliOptions.Purpose(description: "Record the audit in the ledger of --data under this purpose.", required: false);
        var onnx = new Option<FileInfo?>("--onnx") { Description = "Audit this ONNX classifier instead of the recipe's own target (the recipe options then describe the shadow models). Needs --sha256 and --members." };
        var onnxSha = new Option<string?>("--sha256") { Description = "The SHA-256 (hex) of the --onnx file you mean: any other file is refused." };
        var members = new Option<FileInfo?>("--members") { Description = "With --onnx: the model's training records, one 0-based index into the pool per line; the rest of the pool is its holdout." };
        var scores = new Option<string>("--scores") { Description = "With --onnx: what its output holds, logits or probabilities.", DefaultValueFactory = _ => "logits" };
        scores.AcceptOnlyFromAmong("logits", "probabilities");
        var register = ReportRegistration.Option();
        var model = new Command("model", "Membership-inference audit of a training recipe: LiRA (online, offline) with shadow models and the loss baseline; AUC, TPR at 0.1 % and 1 % FPR, the most exposed records and a verdict.")
        {
            dataDir, pool, shadows, hidden, epochs, batch, rate, sigma, clip, seed, output, purpose, onnx, onnxSha, members, scores, register,
        };
        model.SetAction(async (r, ct) =>
        {
            ImageDataset data;
            MembershipAuditOptions options;
            Obscura.ModelPrivacy.Onnx.OnnxClassifier? target = null;
            int[] trained = [];
            try
            {
                data = IdxReader.Load(r.GetValue(dataDir)!.FullName, "train", r.GetValue(pool));
                options = new MembershipAuditOptions
                {
                    PoolSize = r.GetValue(pool),
                    Shadows = r.GetValue(shadows),
                    Hidden = r.GetValue(hidden),
                    Seed = r.GetValue(seed),
                    Training = new TrainingOptions { Epochs = r.GetValue(epochs), BatchSize = r.GetValue(batch), LearningRate = r.GetValue(rate), ClipNorm = r.GetValue(clip), NoiseMultiplier = r.GetValue(sigma) },
                }.Validate();
                if (r.GetValue(onnx) is { } onnxFile)
                {
                    if (r.GetValue(onnxSha) is not { } pinned || r.GetValue(members) is not { } split)
                    {
                        throw new ArgumentException("--onnx needs --sha256 (the file's SHA-256) and --members (its training records).");
                    }

                    trained = [.. File.ReadAllLines(split.FullName).Where(l => l.Trim().Length > 0).Select(l => int.TryParse(l.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : throw new ArgumentException($"'{l.Trim()}' in --members is not a record index."))];
                    var spec = new Obscura.ModelPrivacy.Onnx.OnnxClassifierSpec(data.Pixels, [.. Enumerable.Range(0, data.Classes).Select(c => c.ToString(CultureInfo.InvariantCulture))], ClassifierCommands.ScoresOf(r.GetValue(scores)!));
                    target = Obscura.ModelPrivacy.Onnx.OnnxClassifier.Load(File.ReadAllBytes(onnxFile.FullName), pinned, spec);
                }

                if (r.GetValue(register) is { } name)
                {
                    ReportRegistration.EnsureFree(r, name);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.Usage;
            }
            catch (CliFailure ex)
            {
                target?.Dispose();
                stderr.WriteLine(ex.Message);
                return ex.ExitCode;
            }

            using var disposeTarget = target;

            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"auditing on {options.PoolSize} records: a target and {options.Shadows} shadow models…"));
            MembershipAuditResult result;
            try
            {
                result = target is null ? MembershipAudit.Run(data, options, new Progress(stderr), ct) : MembershipAudit.Run(data, target, trained, options, new Progress(stderr), ct);
            }
            catch (ArgumentException ex)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.Usage;
            }

            var described = target is null ? null : new { onnx = r.GetValue(onnx)!.FullName, sha256 = r.GetValue(onnxSha)!.ToLowerInvariant(), trainingRecords = trained.Length, holdoutRecords = result.PoolSize - trained.Length };
            var report = JsonSerializer.Serialize(RunReports.MembershipAudit(result, options, described), CliJson.Indented);
            if (CliOptions.Optional(r, purpose) is { } forPurpose)
            {
                using var services = LocalServices.Open(r);
                var reference = await services.RecordAnalysisAsync(forPurpose, "file:idx-train", "audit:membership-inference", report, ct);
                stderr.WriteLine($"recorded in the audit ledger of {services.Folder.Path}, result {reference}");
            }

            if (r.GetValue(output) is { } folder)
            {
                Obscura.Security.Files.OwnerOnlyFiles.CreateDirectory(folder.FullName);
                foreach (var attack in result.Attacks)
                {
                    var csv = new StringBuilder("fpr,tpr\n");
                    foreach (var (fpr, tpr) in attack.Roc.Points())
                    {
                        csv.AppendLine(CultureInfo.InvariantCulture, $"{fpr},{tpr}");
                    }

                    Obscura.Security.Files.OwnerOnlyFiles.WriteAtomically(Path.Combine(folder.FullName, $"roc-{attack.Attack}.csv"), csv.ToString());
                }

                PlotFiles.WriteRoc(Path.Combine(folder.FullName, "roc.png"), result.Attacks);

                stderr.WriteLine($"ROC curves (CSV and roc.png) written to {folder.FullName}");
            }

            stdout.WriteLine(report);
            stderr.WriteLine(result.Verdict);
            if (r.GetValue(register) is { } reportName)
            {
                var registered = new Obscura.Plots.PlotReport(
                    Obscura.Plots.PlotReport.CurrentSchemaVersion,
                    reportName,
                    Obscura.Plots.PlotReport.MembershipAuditKind,
                    "obscura audit model",
                    r.GetValue(dataDir)!.FullName,
                    DateTimeOffset.UtcNow,
                    ReportRegistration.ToolVersion,
                    result.Verdict,
                    Figures(result),
                    null,
                    null,
                    null,
                    PlotFiles.RocSeriesOf(result.Attacks));
                return await ReportRegistration.RegisterAsync(r, registered, "audit-model", stderr, ct);
            }

            return ExitCodes.Success;
        });
        var table = new Option<FileInfo>("--data-file") { Description = "ARFF file (numeric and nominal attributes).", Required = true };
        var target = new Option<string>("--target") { Description = "The binary nominal column the model predicts.", Required = true };
        var sensitive = new Option<string>("--sensitive") { Description = "The nominal column the attacker tries to infer (e.g. personal_status, foreign_worker).", Required = true };
        var attributeSeed = new Option<int>("--seed") { Description = "Seed of the member/non-member split.", DefaultValueFactory = _ => 1 };
        var attribute = new Command("attribute", "Attribute inference: can an L2 logistic regression trained on half the table reveal a sensitive column of its training records better than guessing the most common value?")
        {
            table, target, sensitive, attributeSeed,
        };
        attribute.SetAction(r =>
        {
            try
            {
                var result = AttributeInference.Run(ArffReader.Read(r.GetValue(table)!.FullName), r.GetValue(target)!, r.GetValue(sensitive)!, r.GetValue(attributeSeed));
                stdout.WriteLine(JsonSerializer.Serialize(
                    new
                    {
                        result.Sensitive,
                        result.Categories,
                        result.MemberAccuracy,
                        result.NonMemberAccuracy,
                        result.BaselineAccuracy,
                        result.Advantage,
                        verdict = result.Advantage > 0.02
                            ? string.Create(CultureInfo.InvariantCulture, $"The model reveals '{result.Sensitive}' of its training records: the attack is right {result.MemberAccuracy:P1} of the time against {result.BaselineAccuracy:P1} by guessing.")
                            : string.Create(CultureInfo.InvariantCulture, $"No measurable leakage of '{result.Sensitive}': the attack is right {result.MemberAccuracy:P1} of the time, guessing the most common value {result.BaselineAccuracy:P1}."),
                    },
                    CliJson.Indented));
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.Usage;
            }
        });
        var group = new Command("audit", "Privacy audits of trained models.");
        group.Subcommands.Add(model);
        group.Subcommands.Add(attribute);
        return group;
    }

    /// <summary>The figures of a registered audit: its size, the target's accuracy, ε when trained with DP-SGD, and each attack's AUC (headline) and TPR at 0.1 % and 1 % FPR.</summary>
    private static List<Obscura.Plots.ReportFigure> Figures(MembershipAuditResult result)
    {
        const string Rate = Obscura.Plots.ReportFigure.RateUnit;
        var figures = new List<Obscura.Plots.ReportFigure>
        {
            new("Records audited", result.PoolSize, Obscura.Plots.ReportFigure.CountUnit, false),
            new("Shadow models", result.Shadows, Obscura.Plots.ReportFigure.CountUnit, false),
            new("Target accuracy, training records", result.TargetTrainAccuracy, Rate, false),
            new("Target accuracy, held-out records", result.TargetTestAccuracy, Rate, false),
        };
        if (result.Privacy is { } charged)
        {
            figures.Add(new(string.Create(CultureInfo.InvariantCulture, $"ε of the DP-SGD training (δ = {MembershipAudit.Delta:G3})"), charged.Epsilon, null, true));
        }

        foreach (var a in result.Attacks)
        {
            figures.Add(new($"AUC, {a.Attack}", a.Auc, null, true));
            figures.Add(new($"TPR at 0.1 % FPR, {a.Attack}", a.TprAtFpr0001, Rate, false));
            figures.Add(new($"TPR at 1 % FPR, {a.Attack}", a.TprAtFpr001, Rate, false));
        }

        return figures;
    }

    private sealed class Progress(TextWriter stderr) : IProgress<string>
    {
        private readonly Lock _lock = new();

        public void Report(string value)
        {
            lock (_lock)
            {
                stderr.WriteLine(value);
            }
        }
    }
}
