using Obscura.Governance.Purposes;
using Obscura.ModelPrivacy.Audit;
using Obscura.ModelPrivacy.Data;
using Obscura.ModelPrivacy.Training;

namespace Obscura.Server.Jobs;

/// <summary>
/// Body of <c>POST /v1/jobs/audit</c>, the options of <c>obscura audit model</c> for a training recipe, with the same
/// defaults. The ROC curves are always written, as CSV, to the job's folder.
/// </summary>
/// <param name="DataDir">Folder of the IDX training files, a path on the server.</param>
/// <param name="Pool">Records audited; default 2000.</param>
/// <param name="Shadows">Shadow models; default 16.</param>
/// <param name="Hidden">Hidden units of the recipe; default 128.</param>
/// <param name="Epochs">Training epochs of the recipe; default 60.</param>
/// <param name="Batch">Batch size of the recipe; default 32.</param>
/// <param name="LearningRate">Learning rate of the recipe; default 0.1.</param>
/// <param name="NoiseMultiplier">Audit the DP-SGD version of the recipe at this σ.</param>
/// <param name="Clip">DP-SGD clipping norm; default 1.</param>
/// <param name="Seed">Seed of the splits and the models; default 1.</param>
/// <param name="Purpose">Record the audit in the ledger under this purpose.</param>
public sealed record AuditJobRequest(
    string? DataDir = null,
    int? Pool = null,
    int? Shadows = null,
    int? Hidden = null,
    int? Epochs = null,
    int? Batch = null,
    float? LearningRate = null,
    double? NoiseMultiplier = null,
    float? Clip = null,
    int? Seed = null,
    string? Purpose = null)
{
    /// <summary>The audit options the request gives.</summary>
    internal MembershipAuditOptions Options => new()
    {
        PoolSize = Pool ?? 2000,
        Shadows = Shadows ?? 16,
        Hidden = Hidden ?? 128,
        Seed = Seed ?? 1,
        Training = new TrainingOptions { Epochs = Epochs ?? 60, BatchSize = Batch ?? 32, LearningRate = LearningRate ?? 0.1f, ClipNorm = Clip ?? 1f, NoiseMultiplier = NoiseMultiplier },
    };

    /// <summary>The request with its defaults filled in, or null with <paramref name="errors"/> filled; reads the images, as the command does before it runs.</summary>
    internal AuditJobRequest? Validated(JobRequestErrors errors)
    {
        errors.Add("purpose", Purpose is null || PurposeId.TryParse(Purpose, out _) ? null : "Expected a purpose id.");
        try
        {
            Options.Validate();
        }
        catch (ArgumentException ex)
        {
            errors.Add("request", ex.Message);
        }

        if (string.IsNullOrWhiteSpace(DataDir))
        {
            errors.Add("dataDir", "dataDir is required.");
            return null;
        }

        var path = Path.GetFullPath(DataDir);
        errors.Reading("dataDir", () => IdxReader.Load(path, "train", Options.PoolSize));
        var options = Options;
        return errors.IsEmpty
            ? this with { DataDir = path, Pool = options.PoolSize, Shadows = options.Shadows, Hidden = options.Hidden, Seed = options.Seed, Epochs = options.Training.Epochs, Batch = options.Training.BatchSize, LearningRate = options.Training.LearningRate, Clip = options.Training.ClipNorm }
            : null;
    }
}
