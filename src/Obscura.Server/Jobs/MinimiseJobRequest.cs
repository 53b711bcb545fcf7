using Obscura.Governance.Purposes;
using Obscura.ModelPrivacy.Data;
using Obscura.ModelPrivacy.Runs;

namespace Obscura.Server.Jobs;

/// <summary>
/// Body of <c>POST /v1/jobs/minimise</c>, the options of <c>obscura minimise features</c>: the ARFF file on the
/// server, the binary target column, the accuracy the purpose needs, folds (default 5), seed (default 1) and, optionally,
/// the purpose the analysis is recorded under.
/// </summary>
/// <param name="DataFile">The ARFF file, a path on the server.</param>
/// <param name="Target">The binary nominal column the model predicts.</param>
/// <param name="MinAccuracy">The cross-validated accuracy the purpose needs, in (0, 1].</param>
/// <param name="Folds">Stratified cross-validation folds, 2 to 20.</param>
/// <param name="Seed">Seed of the fold assignment.</param>
/// <param name="Purpose">The purpose the ledger records the analysis under.</param>
public sealed record MinimiseJobRequest(string? DataFile = null, string? Target = null, double? MinAccuracy = null, int? Folds = null, int? Seed = null, string? Purpose = null)
{
    /// <summary>The request with its defaults filled in and the file's full path, or null with <paramref name="errors"/> filled; reads the file, as the command does before it runs.</summary>
    internal MinimiseJobRequest? Validated(JobRequestErrors errors)
    {
        var folds = Folds ?? 5;
        errors.Add("folds", RunOptionChecks.Folds(folds, JobRequestErrors.Json));
        errors.Add("minAccuracy", MinAccuracy is { } accuracy ? RunOptionChecks.MinAccuracy(accuracy, JobRequestErrors.Json) : "minAccuracy is required.");
        errors.Add("purpose", Purpose is null || PurposeId.TryParse(Purpose, out _) ? null : "Expected a purpose id.");
        errors.Add("target", string.IsNullOrWhiteSpace(Target) ? "target is required." : null);
        if (string.IsNullOrWhiteSpace(DataFile))
        {
            errors.Add("dataFile", "dataFile is required.");
            return null;
        }

        var path = Path.GetFullPath(DataFile);
        if (errors.Reading("dataFile", () => ArffReader.Read(path)) is { } data && !string.IsNullOrWhiteSpace(Target))
        {
            errors.Reading("target", () => (object)data.IndexOf(Target));
        }

        return errors.IsEmpty ? this with { DataFile = path, Folds = folds, Seed = Seed ?? 1 } : null;
    }
}
