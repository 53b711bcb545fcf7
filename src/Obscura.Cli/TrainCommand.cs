using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Obscura.ModelPrivacy.Data;
using Obscura.ModelPrivacy.Runs;
using Obscura.ModelPrivacy.Serving;
using Obscura.ModelPrivacy.Training;
using Obscura.Privacy.Accounting;

namespace Obscura.Cli;

/// <summary>
/// <c>obscura train</c>: a Fashion-MNIST-format image classifier (IDX files), trained with DP-SGD at a target (ε, δ)
/// charged to a dataset's privacy budget before training starts, or without privacy as a baseline.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var dataDir = new Option<DirectoryInfo>("--data-dir") { Description = "Folder with train-/t10k- images-idx3-ubyte and labels-idx1-ubyte files (gzipped or not), e.g. Debian's /usr/share/datasets/fashion-mnist.", Required = true };
        var hidden = new Option<int>("--hidden") { Description = "Hidden tanh units (0: multinomial logistic regression).", DefaultValueFactory = _ => 128 };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training data.", DefaultValueFactory = _ => 20 };
        var batch = new Option<int>("--batch") { Description = "Expected batch size (DP-SGD's sampling rate is batch / examples).", DefaultValueFactory = _ => 512 };
        var rate = new Option<float>("--learning-rate") { Description = "SGD learning rate.", DefaultValueFactory = _ => 2f };
        var clip = new Option<float>("--clip") { Description = "Per-example gradient L2 clipping norm.", DefaultValueFactory = _ => 1f };
        var epsilon = new Option<double?>("--epsilon") { Description = "Target ε of DP-SGD; the noise multiplier is the smallest that reaches it by --accountant." };
        var accountant = new Option<string>("--accountant") { Description = "How σ is calibrated: 'tightest' (the smaller σ of the PLD and RDP accountants, the default), 'pld' or 'rdp'. The budget is always charged the tighter ε of the two.", DefaultValueFactory = _ => "tightest" };
        accountant.AcceptOnlyFromAmong([.. DpSgdCalibration.Accountants]);
        var delta = new Option<double>("--delta") { Description = "δ of DP-SGD (below 1/examples).", DefaultValueFactory = _ => 1e-5 };
        var dataset = new Option<string?>("--dataset") { Description = "The dataset whose privacy budget (for --purpose) is charged before training." };
        var purpose = CliOptions.Purpose(description: "The purpose whose budget on --dataset is charged.", required: false);
        var nonPrivate = new Option<bool>("--non-private") { Description = "Train without privacy (a baseline): plain minibatch SGD, nothing charged." };
        var limit = new Option<int>("--train-limit") { Description = "Use only the first N training images (quick runs).", DefaultValueFactory = _ => int.MaxValue };
        var output = new Option<FileInfo?>("--out") { Description = "Write the trained model to this .obm file (versioned, checksummed; register it with 'obscura classifier register')." };
        var seed = new Option<int?>("--seed") { Description = "With --non-private only: make the run repeatable. DP-SGD always draws its sampling and noise from the operating system's CSPRNG." };
        var command = new Command("train", "Train an image classifier with DP-SGD at a target (ε, δ), charged to the dataset's privacy budget first, or without privacy (--non-private); prints test accuracy, the privacy spent and examples/s.")
        {
            dataDir, hidden, epochs, batch, rate, clip, epsilon, accountant, delta, dataset, purpose, nonPrivate, limit, seed, output,
        };
        command.SetAction(async (r, ct) =>
        {
            ImageDataset train, test;
            TrainingOptions options;
            try
            {
                var dp = r.GetValue(epsilon) is not null;
                if (RunOptionChecks.TrainingMode(dp, r.GetValue(nonPrivate), r.GetValue(dataset) is not null, CliOptions.Optional(r, purpose) is not null, r.GetValue(seed) is not null, RunOptionChecks.CommandLine) is { } badMode)
                {
                    throw new FormatException(badMode);
                }

                train = IdxReader.Load(r.GetValue(dataDir)!.FullName, "train", r.GetValue(limit));
                test = IdxReader.Load(r.GetValue(dataDir)!.FullName, "t10k");
                options = new TrainingOptions { Epochs = r.GetValue(epochs), BatchSize = r.GetValue(batch), LearningRate = r.GetValue(rate), ClipNorm = r.GetValue(clip) }.Validate();
                if (((dp ? RunOptionChecks.Delta(r.GetValue(delta), train.Count, RunOptionChecks.CommandLine) : null) ?? RunOptionChecks.Hidden(r.GetValue(hidden), RunOptionChecks.CommandLine)) is { } bad)
                {
                    throw new FormatException(bad);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.Usage;
            }

            var model = new Classifier(train.Pixels, train.Classes, r.GetValue(hidden));
            var (samplingRate, steps) = SgdTrainer.Schedule(train.Count, options);
            PrivacyCost.SubsampledGaussian? cost = null;
            if (r.GetValue(epsilon) is { } target)
            {
                double sigma;
                try
                {
                    sigma = DpSgdCalibration.NoiseMultiplierFor(r.GetValue(accountant)!, target, r.GetValue(delta), samplingRate, steps);
                }
                catch (ArgumentException ex)
                {
                    stderr.WriteLine(ex.Message);
                    return ExitCodes.Usage;
                }

                cost = new PrivacyCost.SubsampledGaussian(samplingRate, sigma, steps);
                options = options with { NoiseMultiplier = sigma };
                using var services = LocalServices.Open(r);
                var charged = await DpSgdCalibration.ChargeAsync(services.PrivacyBudgets, services.Actor, r.GetValue(dataset)!, r.GetValue(purpose), cost, train.Count, ct);
                if (!charged.Succeeded)
                {
                    stderr.WriteLine(charged.Error!.Message);
                    return ExitCodes.Refused;
                }

                var run = DpSgdCalibration.Accounted(cost, r.GetValue(delta));
                stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"this run: ε = {run.Epsilon:G4} by {run.MethodToken} (RDP {run.RdpEpsilon:G4}, PLD {(run.PldEpsilon is { } p ? p.ToString("G4", CultureInfo.InvariantCulture) : "n/a")}) at δ = {r.GetValue(delta):G3}; σ = {sigma:G4} ({r.GetValue(accountant)}), q = {samplingRate:G4}, {steps} steps"));
                stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"charged to {r.GetValue(dataset)} for {r.GetValue(purpose)}: ε spent {charged.Value.EpsilonSpent:G4} of {charged.Value.Budget.Epsilon:G4} (by {charged.Value.Accounting?.MethodToken})"));
            }

            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"training {(r.GetValue(hidden) == 0 ? "logistic regression" : $"MLP {train.Pixels}-{r.GetValue(hidden)}-{train.Classes}")} on {train.Count} images, {options.Epochs} epochs…"));
            var noise = r.GetValue(seed) is { } s ? NoiseSource.Seeded(s) : NoiseSource.Secure();
            var result = SgdTrainer.Train(model, train, options, noise, progress: new EpochProgress(stderr), cancellationToken: ct);
            var accuracy = SgdTrainer.Accuracy(model, result.Parameters, test);
            string? sha256 = null;
            if (r.GetValue(output) is { } file)
            {
                var epsilonSpent = cost is null ? (double?)null : DpSgdCalibration.Accounted(cost, r.GetValue(delta)).Epsilon;
                sha256 = ModelFile.Write(file.FullName, model, result.Parameters, new ModelMetadata(DateTimeOffset.UtcNow, epsilonSpent, cost is null ? null : r.GetValue(delta), train.Count));
            }

            var privacy = cost is null ? null : DpSgdCalibration.Report(cost, r.GetValue(delta), r.GetValue(accountant)!, options.ClipNorm);
            stdout.WriteLine(JsonSerializer.Serialize(
                RunReports.Training(r.GetValue(hidden), train, test, options, result, privacy, accuracy, r.GetValue(output)?.FullName, sha256),
                CliJson.Indented));
            return ExitCodes.Success;
        });
        return command;
    }

    private sealed class EpochProgress(TextWriter stderr) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) =>
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {value.Epoch}/{value.Epochs}: loss {value.MeanLoss:F4}, clipped {value.ClippedShare:P0}, {value.Steps} steps"));
    }
}
