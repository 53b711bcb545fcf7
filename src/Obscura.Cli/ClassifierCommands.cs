using System.CommandLine;
using System.Text.Json;
using Obscura.ModelPrivacy.Onnx;
using Obscura.ModelPrivacy.Serving;

namespace Obscura.Cli;

/// <summary>
/// <c>obscura classifier</c>: the hardened model API's registry in the data folder (models trained by
/// <c>obscura train --out</c>), their serving policies per model and per API key, and the query monitor's alerts.
/// (<c>obscura models</c> is the face models of the capture pipeline.)
/// </summary>
internal static class ClassifierCommands
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var file = new Option<FileInfo>("--file") { Description = "The .obm model file written by 'obscura train --out'.", Required = true };
        var id = new Option<string>("--id") { Description = "The model's id (a-z, 0-9, '.', '_', '-').", Required = true };
        var (output, rate, burst, max, unlimited) = PolicyOptions(required: false);
        var register = new Command("register", "Check a model file (version, shape, checksum) and register it for the model API with a serving policy (default: label-only, 5/s, burst 20, 10,000 queries per key).")
        {
            file, id, output, rate, burst, max, unlimited,
        };
        register.SetAction(async (r, ct) =>
        {
            if (!TryReadRegistration(r, file, (output, rate, burst, max, unlimited), stderr, out var bytes, out var policy))
            {
                return ExitCodes.Usage;
            }

            using var services = LocalServices.Open(r);
            using var registry = Open(services);
            return Print(await registry.RegisterAsync(services.Actor.Value, r.GetValue(id)!, bytes, policy, ct), stdout, stderr);
        });

        var onnxFile = new Option<FileInfo>("--file") { Description = "The ONNX classifier file.", Required = true };
        var onnxId = new Option<string>("--id") { Description = "The model's id (a-z, 0-9, '.', '_', '-').", Required = true };
        var sha256 = new Option<string>("--sha256") { Description = "The SHA-256 (hex) of the file you mean to register: any other file is refused.", Required = true };
        var inputs = new Option<int>("--inputs") { Description = "Features per query: the graph's input must be float [batch, N].", Required = true };
        var labels = new Option<string>("--labels") { Description = "The class labels, comma-separated, in the order of the output's columns.", Required = true };
        var scores = new Option<string>("--scores") { Description = "What the output holds: logits or probabilities.", DefaultValueFactory = _ => "logits" };
        scores.AcceptOnlyFromAmong("logits", "probabilities");
        var outputName = new Option<string?>("--output-name") { Description = "The output that holds the class scores, when the graph has several." };
        var (oOutput, oRate, oBurst, oMax, oUnlimited) = PolicyOptions(required: false);
        var registerOnnx = new Command("register-onnx", "Register an ONNX classifier for the model API, pinned to its SHA-256 and checked against its stated input size and labels, with a serving policy (default: label-only, 5/s, burst 20, 10,000 queries per key).")
        {
            onnxFile, onnxId, sha256, inputs, labels, scores, outputName, oOutput, oRate, oBurst, oMax, oUnlimited,
        };
        registerOnnx.SetAction(async (r, ct) =>
        {
            if (!TryReadRegistration(r, onnxFile, (oOutput, oRate, oBurst, oMax, oUnlimited), stderr, out var bytes, out var policy))
            {
                return ExitCodes.Usage;
            }

            var spec = new OnnxClassifierSpec(r.GetValue(inputs), r.GetValue(labels)!.Split(',', StringSplitOptions.TrimEntries), ScoresOf(r.GetValue(scores)!), r.GetValue(outputName));
            using var services = LocalServices.Open(r);
            using var registry = Open(services);
            return Print(await registry.RegisterOnnxAsync(services.Actor.Value, r.GetValue(onnxId)!, bytes, r.GetValue(sha256)!, spec, policy, ct), stdout, stderr);
        });

        var obm = new Option<FileInfo>("--file") { Description = "The .obm model file written by 'obscura train --out'.", Required = true };
        var onnxOut = new Option<FileInfo>("--out") { Description = "The ONNX file to write.", Required = true };
        var export = new Command("export-onnx", "Write a model trained by Obscura (.obm) as an ONNX graph (input 'features' [batch, D], output 'logits' [batch, C]) and print its SHA-256.")
        {
            obm, onnxOut,
        };
        export.SetAction(r =>
        {
            try
            {
                var saved = ModelFile.Read(r.GetValue(obm)!.FullName);
                var bytes = OnnxModelWriter.Serialize(saved.Model, saved.Parameters);
                Obscura.Security.Files.OwnerOnlyFiles.WriteAtomically(r.GetValue(onnxOut)!.FullName, bytes);
                stdout.WriteLine(JsonSerializer.Serialize(new { onnxFile = r.GetValue(onnxOut)!.FullName, sha256 = OnnxClassifier.Sha256Of(bytes), inputs = saved.Model.Inputs, classes = saved.Model.Classes, output = OnnxModelWriter.OutputName, scores = "logits" }, CliJson.Indented));
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.Usage;
            }
        });

        var list = new Command("list", "The registered models, their SHA-256 and their policies.");
        list.SetAction(r =>
        {
            using var services = LocalServices.Open(r);
            using var registry = Open(services);
            stdout.WriteLine(JsonSerializer.Serialize(registry.List(), CliJson.Indented));
            return ExitCodes.Success;
        });

        var policyId = new Option<string>("--id") { Description = "The model.", Required = true };
        var key = new Option<string?>("--key") { Description = "An API key's name: set that key's own policy (default: the model's policy for every key)." };
        var (pOutput, pRate, pBurst, pMax, pUnlimited) = PolicyOptions(required: true);
        var policyCommand = new Command("policy", "Set a model's serving policy, for every key or (--key) for one: output raw | label-only | top-k:K | rounded:D | noisy:S (combinable, e.g. top-k:3,rounded:1), rate, burst and total queries.")
        {
            policyId, key, pOutput, pRate, pBurst, pMax, pUnlimited,
        };
        policyCommand.SetAction(async (r, ct) =>
        {
            ServingPolicy policy;
            try
            {
                policy = Policy(r, pOutput, pRate, pBurst, pMax, pUnlimited);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentOutOfRangeException)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.Usage;
            }

            using var services = LocalServices.Open(r);
            using var registry = Open(services);
            var caller = r.GetValue(key) is { } name ? "apikey:" + name : null;
            return Print(await registry.SetPolicyAsync(services.Actor.Value, r.GetValue(policyId)!, caller, policy, ct), stdout, stderr);
        });

        var model = new Option<string?>("--model") { Description = "Only this model's alerts." };
        var alerts = new Command("alerts", "The query monitor's alerts: extraction (PRADA), membership probing (near-duplicates), boundary probing; each is also in the audit ledger.") { model };
        alerts.SetAction(r =>
        {
            using var services = LocalServices.Open(r);
            using var registry = Open(services);
            stdout.WriteLine(JsonSerializer.Serialize(registry.Alerts(r.GetValue(model)), CliJson.Indented));
            return ExitCodes.Success;
        });

        var group = new Command("classifier", "The hardened model API: register models from 'obscura train --out', set serving policies and limits, read the query monitor's alerts.");
        group.Subcommands.Add(register);
        group.Subcommands.Add(registerOnnx);
        group.Subcommands.Add(export);
        group.Subcommands.Add(list);
        group.Subcommands.Add(policyCommand);
        group.Subcommands.Add(alerts);
        return group;
    }

    /// <summary>Reads a registration's model file and its policy options (null: the default); false, with the reason on stderr, when either is bad.</summary>
    private static bool TryReadRegistration(
        ParseResult r, Option<FileInfo> file, (Option<string?> Output, Option<double> Rate, Option<int> Burst, Option<long> Max, Option<bool> Unlimited) options, TextWriter stderr, out byte[] bytes, out ServingPolicy? policy)
    {
        try
        {
            bytes = File.ReadAllBytes(r.GetValue(file)!.FullName);
            policy = r.GetValue(options.Output) is null ? null : Policy(r, options.Output, options.Rate, options.Burst, options.Max, options.Unlimited);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
        {
            stderr.WriteLine(ex.Message);
            (bytes, policy) = ([], null);
            return false;
        }
    }

    /// <summary>The score kind named by <c>--scores</c> (logits or probabilities).</summary>
    internal static OnnxScores ScoresOf(string name) => name == "probabilities" ? OnnxScores.Probabilities : OnnxScores.Logits;

    private static ClassifierRegistry Open(LocalServices services) => ClassifierRegistry.Open(services.Folder.Path, services.Audit, TimeProvider.System);

    private static (Option<string?> Output, Option<double> Rate, Option<int> Burst, Option<long> Max, Option<bool> Unlimited) PolicyOptions(bool required)
    {
        var defaults = ServingPolicy.Default;
        return (
            new Option<string?>("--output") { Description = "What a prediction reveals: raw, label-only, or any of top-k:K, rounded:D, noisy:S comma-separated.", Required = required },
            new Option<double>("--rate") { Description = "Queries a second per key (token bucket; 0: no rate limit).", DefaultValueFactory = _ => defaults.RatePerSecond },
            new Option<int>("--burst") { Description = "Most queries in a burst.", DefaultValueFactory = _ => defaults.Burst },
            new Option<long>("--max-queries") { Description = "Most queries per key in all.", DefaultValueFactory = _ => defaults.MaxQueries!.Value },
            new Option<bool>("--unlimited") { Description = "No total-query limit." });
    }

    private static ServingPolicy Policy(ParseResult r, Option<string?> output, Option<double> rate, Option<int> burst, Option<long> max, Option<bool> unlimited) =>
        new ServingPolicy
        {
            Output = OutputPolicy.Parse(r.GetValue(output) ?? "label-only"),
            RatePerSecond = r.GetValue(rate),
            Burst = r.GetValue(burst),
            MaxQueries = r.GetValue(unlimited) ? null : r.GetValue(max),
        }.Validate();

    private static int Print(Obscura.Governance.Outcome<RegisteredClassifier> outcome, TextWriter stdout, TextWriter stderr)
    {
        if (!outcome.Succeeded)
        {
            stderr.WriteLine(outcome.Error.Message);
            return outcome.Error.Kind == Obscura.Governance.GovernanceErrorKind.Invalid ? ExitCodes.Usage : ExitCodes.Refused;
        }

        stdout.WriteLine(JsonSerializer.Serialize(outcome.Value, CliJson.Indented));
        return ExitCodes.Success;
    }
}
