using Obscura.Governance.Purposes;
using Obscura.ModelPrivacy.Data;
using Obscura.ModelPrivacy.Runs;
using Obscura.ModelPrivacy.Training;

namespace Obscura.Server.Jobs;

/// <summary>
/// Body of <c>POST /v1/jobs/train</c>, the options of <c>obscura train</c> with the same defaults: DP-SGD at
/// <c>epsilon</c> (charged to <c>dataset</c>'s budget for <c>purpose</c> before training) or <c>nonPrivate</c>. The
/// model file is always written, to the job's folder.
/// </summary>
/// <param name="DataDir">Folder of the IDX files, a path on the server.</param>
/// <param name="Hidden">Hidden tanh units (0: logistic regression); default 128.</param>
/// <param name="Epochs">Passes over the training data; default 20.</param>
/// <param name="Batch">Expected batch size; default 512.</param>
/// <param name="LearningRate">SGD learning rate; default 2.</param>
/// <param name="Clip">Per-example clipping norm; default 1.</param>
/// <param name="Epsilon">Target ε of DP-SGD.</param>
/// <param name="Accountant">σ calibration: tightest (default), pld or rdp.</param>
/// <param name="Delta">δ of DP-SGD; default 1e-5.</param>
/// <param name="Dataset">The dataset whose budget is charged.</param>
/// <param name="Purpose">The purpose whose budget on the dataset is charged.</param>
/// <param name="NonPrivate">Train without privacy (nothing charged).</param>
/// <param name="TrainLimit">Use only the first N training images.</param>
/// <param name="Seed">With nonPrivate only: make the run repeatable.</param>
public sealed record TrainJobRequest(
    string? DataDir = null,
    int? Hidden = null,
    int? Epochs = null,
    int? Batch = null,
    float? LearningRate = null,
    float? Clip = null,
    double? Epsilon = null,
    string? Accountant = null,
    double? Delta = null,
    string? Dataset = null,
    string? Purpose = null,
    bool? NonPrivate = null,
    int? TrainLimit = null,
    int? Seed = null)
{
    /// <summary>The training options the request gives.</summary>
    internal TrainingOptions Options => new() { Epochs = Epochs ?? 20, BatchSize = Batch ?? 512, LearningRate = LearningRate ?? 2f, ClipNorm = Clip ?? 1f };

    /// <summary>The request with its defaults filled in, or null with <paramref name="errors"/> filled; reads the images, as the command does before it runs.</summary>
    internal TrainJobRequest? Validated(JobRequestErrors errors)
    {
        var dp = Epsilon is not null;
        var nonPrivate = NonPrivate ?? false;
        errors.Add("epsilon", RunOptionChecks.TrainingMode(dp, nonPrivate, Dataset is not null, Purpose is not null, Seed is not null, JobRequestErrors.Json));
        errors.Add("purpose", Purpose is null || PurposeId.TryParse(Purpose, out _) ? null : "Expected a purpose id.");
        errors.Add("hidden", RunOptionChecks.Hidden(Hidden ?? 128, JobRequestErrors.Json));
        var accountant = Accountant ?? "tightest";
        errors.Add("accountant", DpSgdCalibration.Accountants.Contains(accountant) ? null : "accountant is tightest, pld or rdp.");
        try
        {
            Options.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            errors.Add(JobRequestErrors.Json(ex.ParamName switch { "BatchSize" => "batch", "ClipNorm" => "clip", "LearningRate" => "learning-rate", _ => "epochs" }), ex.Message);
        }

        if (string.IsNullOrWhiteSpace(DataDir))
        {
            errors.Add("dataDir", "dataDir is required.");
            return null;
        }

        var path = Path.GetFullPath(DataDir);
        if (errors.Reading("dataDir", () => IdxReader.Load(path, "train", TrainLimit ?? int.MaxValue)) is { } train && errors.Reading("dataDir", () => IdxReader.Load(path, "t10k")) is not null)
        {
            errors.Add("delta", dp ? RunOptionChecks.Delta(Delta ?? 1e-5, train.Count, JobRequestErrors.Json) : null);
        }

        return errors.IsEmpty
            ? this with { DataDir = path, Hidden = Hidden ?? 128, Epochs = Options.Epochs, Batch = Options.BatchSize, LearningRate = Options.LearningRate, Clip = Options.ClipNorm, Accountant = accountant, Delta = Delta ?? 1e-5, NonPrivate = nonPrivate, TrainLimit = TrainLimit ?? int.MaxValue }
            : null;
    }
}
