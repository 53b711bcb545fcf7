using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Obscura.ModelPrivacy.Data;
using Obscura.ModelPrivacy.Minimisation;
using Obscura.ModelPrivacy.Runs;

namespace Obscura.Cli;

/// <summary>
/// <c>obscura minimise features</c>: the smallest set of columns (greedy forward selection, cross-validated logistic
/// regression) that reaches the accuracy a purpose needs, and the vault export fields it allows. Needs neither data
/// folder nor server: it reads one ARFF file.
/// </summary>
internal static class MinimiseCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var data = new Option<FileInfo>("--data-file") { Description = "ARFF file (Weka's format: numeric and nominal attributes, dense rows).", Required = true };
        var target = new Option<string>("--target") { Description = "The binary nominal column the model predicts.", Required = true };
        var minAccuracy = new Option<double>("--min-accuracy") { Description = "The cross-validated accuracy the purpose needs, in (0, 1].", Required = true };
        var folds = new Option<int>("--folds") { Description = "Stratified cross-validation folds (2 to 20).", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Seed of the fold assignment.", DefaultValueFactory = _ => 1 };
        var purpose = CliOptions.Purpose(description: "The purpose the features are for: the analysis is recorded in the audit ledger of --data under it (the file read, the result's hash).", required: false);
        var features = new Command("features", "Find the smallest feature set whose cross-validated accuracy reaches --min-accuracy (exit 2 if none does); prints the steps, the accuracy with all features and with the chosen ones, and the vault fields (label:NAME) a minimisation policy should allow.")
        {
            data, target, minAccuracy, folds, seed, purpose,
        };
        features.SetAction(async (r, ct) =>
        {
            TabularDataset dataset;
            try
            {
                if (RunOptionChecks.Folds(r.GetValue(folds), RunOptionChecks.CommandLine) is { } bad)
                {
                    throw new FormatException(bad);
                }

                dataset = ArffReader.Read(r.GetValue(data)!.FullName);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.Usage;
            }

            FeatureSelectionResult result;
            try
            {
                stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{dataset.Name}: {dataset.RowCount} rows, {dataset.Attributes.Count - 1} candidate features; {r.GetValue(folds)}-fold cross-validation…"));
                result = ForwardFeatureSelection.Run(dataset, r.GetValue(target)!, r.GetValue(minAccuracy), r.GetValue(folds), r.GetValue(seed), new StepProgress(stderr), ct);
            }
            catch (ArgumentException ex)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.Usage;
            }

            var report = JsonSerializer.Serialize(RunReports.Minimisation(result), CliJson.Indented);
            if (CliOptions.Optional(r, purpose) is { } forPurpose)
            {
                // The analysis read personal data for a purpose: recorded before the result is shown.
                using var services = LocalServices.Open(r);
                var source = "file:" + new string(dataset.Name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_').Take(100).ToArray());
                var reference = await services.RecordAnalysisAsync(forPurpose, source, "minimisation:features", report, ct);
                stderr.WriteLine($"recorded in the audit ledger of {services.Folder.Path}, result {reference}");
            }

            stdout.WriteLine(report);
            if (!result.MeetsRequirement)
            {
                stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"No feature set reached {result.RequiredAccuracy:P1}; the best greedy set reached {result.ChosenAccuracy:P1} and all features {result.AllFeaturesAccuracy:P1}."));
                return ExitCodes.Refused;
            }

            return ExitCodes.Success;
        });
        var group = new Command("minimise", "Data minimisation for a purpose: the fewest features a model needs.");
        group.Subcommands.Add(features);
        return group;
    }

    private sealed class StepProgress(TextWriter stderr) : IProgress<FeatureSelectionStep>
    {
        public void Report(FeatureSelectionStep value) =>
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  + {value.Added}: {value.Accuracy:P2}"));
    }
}
