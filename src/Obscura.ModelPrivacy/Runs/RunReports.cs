using Obscura.ModelPrivacy.Audit;
using Obscura.ModelPrivacy.Data;
using Obscura.ModelPrivacy.Minimisation;
using Obscura.ModelPrivacy.Training;

namespace Obscura.ModelPrivacy.Runs;

/// <summary>
/// The JSON reports of a minimisation and of a membership-inference audit, shared by the command line (which prints
/// them) and the server's jobs (which keep them as the job's result), so both give the same fields.
/// </summary>
public static class RunReports
{
    /// <summary>
    /// The report of a feature selection: the baseline, the accuracy with every feature, each step, the chosen and
    /// dropped features and the vault fields (<c>label:NAME</c>) a minimisation policy should allow.
    /// </summary>
    public static object Minimisation(FeatureSelectionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new
        {
            result.Dataset,
            result.Target,
            result.Rows,
            result.Folds,
            result.RequiredAccuracy,
            majorityClassAccuracy = result.MajorityAccuracy,
            allFeatures = new { count = result.AllFeatureCount, accuracy = result.AllFeaturesAccuracy },
            chosen = result.Chosen is null ? null : new { count = result.Chosen.Count, accuracy = result.ChosenAccuracy, features = result.Chosen },
            result.Dropped,
            steps = result.Steps,
            allowedFields = result.Chosen?.Select(f => "label:" + f),
        };
    }

    /// <summary>
    /// The report of a membership-inference audit of a recipe (<paramref name="target"/> null) or of a given model
    /// (<paramref name="target"/> describes it): the recipe, the charged ε of a DP recipe, accuracies, each attack's
    /// AUC and TPR at 0.1 % and 1 % FPR, the most exposed records and the verdict.
    /// </summary>
    public static object MembershipAudit(MembershipAuditResult result, MembershipAuditOptions options, object? target)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(options);
        return new
        {
            result.PoolSize,
            result.Shadows,
            target,
            recipe = new
            {
                hidden = options.Hidden,
                options.Training.Epochs,
                options.Training.BatchSize,
                options.Training.LearningRate,
                noiseMultiplier = options.Training.NoiseMultiplier,
                clip = options.Training.NoiseMultiplier is null ? (float?)null : options.Training.ClipNorm,
                privacy = result.Privacy is not { } charged ? null : new
                {
                    epsilon = charged.Epsilon,
                    accountant = charged.MethodToken,
                    epsilonRdp = charged.RdpEpsilon,
                    epsilonPld = charged.PldEpsilon,
                    delta = Audit.MembershipAudit.Delta,
                },
            },
            targetTrainAccuracy = result.TargetTrainAccuracy,
            targetTestAccuracy = result.TargetTestAccuracy,
            attacks = result.Attacks.Select(a => new { a.Attack, a.Auc, tprAtFpr0_1Percent = a.TprAtFpr0001, tprAtFpr1Percent = a.TprAtFpr001 }),
            mostExposed = result.MostExposed,
            result.Verdict,
        };
    }

    /// <summary>
    /// The report of a training run: the model, the data's size, the options, the steps, the privacy section of a
    /// DP-SGD run (<see cref="DpSgdCalibration.Report"/>, null without privacy), test accuracy, speed and the model file.
    /// </summary>
    public static object Training(int hidden, ImageDataset train, ImageDataset test, TrainingOptions options, TrainingResult result, object? privacy, double testAccuracy, string? modelFile, string? modelSha256)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(result);
        return new
        {
            model = hidden == 0 ? "logistic-regression" : $"mlp-{hidden}",
            trainImages = train.Count,
            testImages = test.Count,
            options.Epochs,
            options.BatchSize,
            options.LearningRate,
            steps = result.Steps,
            privacy,
            testAccuracy,
            trainSeconds = result.Elapsed.TotalSeconds,
            examplesPerSecond = result.ExamplesPerSecond,
            modelFile,
            modelSha256,
        };
    }
}
