using System.Globalization;

namespace Obscura.ModelPrivacy.Runs;

/// <summary>
/// The checks of the options of a minimisation, training or audit run that the algorithms' own validation does not
/// make, shared by the command line and the server's jobs so both refuse the same input with the same message. Each
/// returns the message, or null when the value is acceptable; <c>name</c> maps an option's kebab-case name (such as
/// <c>non-private</c>) to what the front end calls it (<c>--non-private</c> on the command line, <c>nonPrivate</c> in JSON).
/// </summary>
public static class RunOptionChecks
{
    /// <summary>The command line's naming: <c>--</c> and the kebab-case name.</summary>
    public static string CommandLine(string option) => "--" + option;

    /// <summary>Stratified cross-validation folds: 2 to 20.</summary>
    public static string? Folds(int folds, Func<string, string> name) =>
        folds is < 2 or > 20 ? $"{Name(name, "folds")} is 2 to 20." : null;

    /// <summary>The accuracy a purpose needs: in (0, 1].</summary>
    public static string? MinAccuracy(double accuracy, Func<string, string> name) =>
        accuracy > 0 && accuracy <= 1 ? null : $"{Name(name, "min-accuracy")} is in (0, 1].";

    /// <summary>Hidden tanh units: 0 (logistic regression) to 4096.</summary>
    public static string? Hidden(int hidden, Func<string, string> name) =>
        hidden is < 0 or > 4096 ? $"{Name(name, "hidden")} is 0 to 4096." : null;

    /// <summary>
    /// The privacy mode of a training run: exactly one of a target ε and non-private; a DP-SGD run names the dataset
    /// and purpose whose budget it is charged to, and takes no seed (seeded noise can be subtracted).
    /// </summary>
    public static string? TrainingMode(bool dp, bool nonPrivate, bool hasDataset, bool hasPurpose, bool seeded, Func<string, string> name)
    {
        if (dp == nonPrivate)
        {
            return $"Give either {Name(name, "epsilon")} (DP-SGD) or {Name(name, "non-private")}.";
        }

        if (dp && !(hasDataset && hasPurpose))
        {
            return $"DP-SGD is charged to a privacy budget: give {Name(name, "dataset")} and {Name(name, "purpose")} (set the budget with 'obscura dp budget set').";
        }

        return dp && seeded ? $"{Name(name, "seed")} is for {Name(name, "non-private")} runs only: seeded noise can be subtracted, so it gives no privacy." : null;
    }

    /// <summary>δ of DP-SGD: above 0 and below 1/examples.</summary>
    public static string? Delta(double delta, int examples, Func<string, string> name) =>
        delta > 0 && delta < 1.0 / examples ? null : string.Create(CultureInfo.InvariantCulture, $"{Name(name, "delta")} must be above 0 and below 1/examples = {1.0 / examples:G3}.");

    private static string Name(Func<string, string> name, string option) => (name ?? CommandLine)(option);
}
