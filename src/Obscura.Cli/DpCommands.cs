using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Obscura.Privacy;
using Obscura.Privacy.Accounting;
using Obscura.Privacy.Local;
using Obscura.Privacy.Mechanisms;
using Obscura.Privacy.Sampling;

namespace Obscura.Cli;

/// <summary>
/// <c>obscura dp query</c> (a differentially private statistic over a CSV file) and <c>obscura ldp simulate</c> (a local-DP
/// frequency oracle on a simulated population). A query is charged to a dataset's privacy budget in the data folder, or,
/// by explicit choice (<c>--uncharged --reason</c>), recorded there as an uncharged release; it is never released
/// silently. The simulation needs neither data folder nor server.
/// </summary>
internal static class DpCommands
{

    public static Command Query(TextWriter stdout, TextWriter stderr)
    {
        var csv = new Option<FileInfo>("--csv") { Description = "CSV with a header row; fields are split on commas (no quoting).", Required = true };
        var kind = new Option<string>("--kind") { Description = "count, sum, mean, histogram or quantile.", Required = true };
        var subjectColumn = new Option<string>("--subject-column") { Description = "Column naming the data subject: contributions are bounded per subject.", Required = true };
        var valueColumn = new Option<string?>("--value-column") { Description = "Column with the value (sum, mean, quantile: a number; histogram: a category)." };
        var lower = new Option<double?>("--lower") { Description = "Declared lower bound of the values (never read from the data)." };
        var upper = new Option<double?>("--upper") { Description = "Declared upper bound of the values." };
        var granularity = new Option<double>("--granularity") { Description = "Grid step values are rounded to.", DefaultValueFactory = _ => 0.01 };
        var contributions = new Option<int>("--max-contributions") { Description = "Rows kept per subject (chosen at random).", DefaultValueFactory = _ => 1 };
        var epsilon = new Option<string?>("--epsilon") { Description = "ε for pure DP (discrete Laplace noise), a decimal such as 0.5." };
        var rho = new Option<string?>("--rho") { Description = "ρ for zCDP (discrete Gaussian noise) instead of ε." };
        var categories = new Option<string?>("--categories") { Description = "Histogram categories, comma-separated (declared, never read from the data)." };
        var quantile = new Option<double>("--quantile") { Description = "Which quantile, 0 to 1.", DefaultValueFactory = _ => 0.5 };
        var dataset = new Option<string?>("--dataset") { Description = "Charge the release to this dataset's privacy budget in the data folder (--data) first; refused when spent. Required unless --uncharged." };
        var purpose = CliOptions.Purpose(description: "With --dataset: the purpose whose budget is charged (with --uncharged: recorded, optional).", required: false);
        var uncharged = new Option<bool>("--uncharged") { Description = "Release without charging any budget: an explicit choice, recorded in the audit ledger of --data (required) with --reason, and reported on standard error." };
        var reason = new Option<string?>("--reason") { Description = "With --uncharged: why, as a ticket or short label (letters, digits and ._:/@-, at most 64), recorded in the ledger." };
        var command = new Command("query", "A differentially private count, sum, mean, histogram or quantile over a CSV file, charged to a privacy budget.")
        {
            csv, kind, subjectColumn, valueColumn, lower, upper, granularity, contributions, epsilon, rho, categories, quantile, dataset, purpose, uncharged, reason,
        };
        command.SetAction(async (r, ct) =>
        {
            try
            {
                if ((r.GetValue(epsilon) is null) == (r.GetValue(rho) is null))
                {
                    throw new FormatException("Give exactly one of --epsilon (pure DP) and --rho (zCDP).");
                }

                var privacy = r.GetValue(epsilon) is { } e ? PrivacyParameter.Epsilon(Rational.Parse(e)) : PrivacyParameter.Rho(Rational.Parse(r.GetValue(rho)!));
                var query = r.GetValue(kind)!;
                if (query is not ("count" or "sum" or "mean" or "histogram" or "quantile"))
                {
                    throw new FormatException($"Unknown --kind '{query}': count, sum, mean, histogram or quantile.");
                }

                if (query == "quantile" && privacy.Concentrated)
                {
                    throw new FormatException("The quantile is pure DP: give --epsilon.");
                }

                var budget = r.GetValue(dataset);
                if (r.GetValue(uncharged))
                {
                    if (budget is not null)
                    {
                        throw new FormatException("--uncharged and --dataset exclude each other: a release is either charged to a budget or recorded as uncharged.");
                    }

                    if (r.GetValue(reason) is null)
                    {
                        throw new FormatException("--uncharged needs --reason: why this release is charged to no budget (a ticket or a short label).");
                    }

                    if (r.GetResult(CliOptions.Data) is null or { Implicit: true })
                    {
                        throw new FormatException("--uncharged needs --data: the uncharged release is recorded in that data folder's audit ledger.");
                    }
                }
                else if (budget is null)
                {
                    throw new FormatException("A release is charged to a privacy budget: give --dataset and --purpose (set one with 'obscura dp budget set'), or --uncharged with --reason and --data to release without charging, recorded in the audit ledger.");
                }
                else if (r.GetValue(reason) is not null)
                {
                    throw new FormatException("--reason goes with --uncharged.");
                }

                var lines = File.ReadAllLines(r.GetValue(csv)!.FullName).Where(l => l.Length > 0).ToArray();
                if (lines.Length == 0)
                {
                    throw new FormatException("The CSV file is empty: it needs a header row.");
                }

                var header = lines[0].Split(',').Select(h => h.Trim()).ToList();
                int Column(string? name, string option) =>
                    name is null ? throw new FormatException($"{option} is required for --kind {r.GetValue(kind)}.")
                    : header.IndexOf(name) is var i and >= 0 ? i : throw new FormatException($"Column '{name}' is not in the header.");
                var subjectIndex = Column(r.GetValue(subjectColumn), "--subject-column");
                var cells = lines.Skip(1).Select((l, i) => (Line: i + 2, Cells: l.Split(','))).ToArray();
                string Cell((int Line, string[] Cells) row, int index) =>
                    index < row.Cells.Length ? row.Cells[index].Trim() : throw new FormatException($"Line {row.Line}: too few fields.");
                (double Lower, double Upper) Bounds() =>
                    (r.GetValue(lower) ?? throw new FormatException("--lower is required: bounds are declared, never read from the data."),
                     r.GetValue(upper) ?? throw new FormatException("--upper is required: bounds are declared, never read from the data."));
                Row<double>[] Numbers()
                {
                    var index = Column(r.GetValue(valueColumn), "--value-column");
                    return [.. cells.Select(row => new Row<double>(Cell(row, subjectIndex), double.TryParse(Cell(row, index), NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
                        ? v : throw new FormatException($"Line {row.Line}: '{Cell(row, index)}' is not a number.")))];
                }

                if (budget is null)
                {
                    using var services = LocalServices.Open(r);
                    var recorded = await services.PrivacyBudgets.RecordUnchargedAsync(services.Actor, privacy.Cost, query, r.GetValue(reason)!, CliOptions.Optional(r, purpose), ct);
                    if (!recorded.Succeeded)
                    {
                        await stderr.WriteLineAsync(recorded.Error.Message);
                        return ExitCodes.Refused;
                    }

                    await stderr.WriteLineAsync($"uncharged release ({Privacy(privacy.Cost)}, reason {r.GetValue(reason)}): charged to no budget; recorded in the audit ledger of {services.Folder.Path}");
                }
                else
                {
                    if (r.GetResult(purpose) is null)
                    {
                        throw new FormatException("--dataset needs --purpose: the budget is per dataset and purpose.");
                    }

                    using var services = LocalServices.Open(r);
                    var charged = await services.PrivacyBudgets.ChargeAsync(services.Actor, budget, r.GetValue(purpose), privacy.Cost, query, ct);
                    if (!charged.Succeeded)
                    {
                        await stderr.WriteLineAsync(charged.Error.Message);
                        return ExitCodes.Refused;
                    }

                    await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"charged to {budget}: ε spent {charged.Value.EpsilonSpent:G4} of {charged.Value.Budget.Epsilon:G4}"));
                }

                var mechanisms = new CentralMechanisms(new CryptoRandomSource());
                var m = r.GetValue(contributions);
                object result = query switch
                {
                    "count" => Describe(mechanisms.Count(cells.Select(row => Cell(row, subjectIndex)), m, privacy)),
                    "sum" => Describe(mechanisms.BoundedSum(Numbers(), Bounds().Lower, Bounds().Upper, r.GetValue(granularity), m, privacy)),
                    "mean" => Describe(mechanisms.Mean(Numbers(), Bounds().Lower, Bounds().Upper, r.GetValue(granularity), m, privacy)),
                    "quantile" => Describe(mechanisms.Quantile(Numbers(), r.GetValue(quantile), Bounds().Lower, Bounds().Upper, r.GetValue(granularity), m, privacy.Value)),
                    "histogram" => Describe(mechanisms.Histogram(
                        cells.Select(row => new Row<string>(Cell(row, subjectIndex), Cell(row, Column(r.GetValue(valueColumn), "--value-column")))),
                        (r.GetValue(categories) ?? throw new FormatException("--categories is required: categories are declared, never read from the data."))
                            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                        m,
                        privacy)),
                    var other => throw new FormatException($"Unknown --kind '{other}': count, sum, mean, histogram or quantile."),
                };
                await stdout.WriteLineAsync(JsonSerializer.Serialize(result, CliJson.Indented));
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException or ArgumentException or OverflowException)
            {
                await stderr.WriteLineAsync(ex.Message);
                return ExitCodes.Usage;
            }
        });
        return command;
    }

    public static Command Simulate(TextWriter stdout, TextWriter stderr)
    {
        var mechanism = new Option<string>("--mechanism") { Description = "rr (k-ary randomised response), olh, oue, sue or rappor.", Required = true };
        var domain = new Option<int>("--domain") { Description = "Number of possible values.", DefaultValueFactory = _ => 100 };
        var epsilon = new Option<double>("--epsilon") { Description = "ε per report.", DefaultValueFactory = _ => 1.0 };
        var users = new Option<int>("--users") { Description = "Simulated users, one report each.", DefaultValueFactory = _ => 100_000 };
        var distribution = new Option<string>("--distribution") { Description = "zipf or uniform.", DefaultValueFactory = _ => "zipf" };
        var bits = new Option<int>("--bits") { Description = "rappor: Bloom filter bits.", DefaultValueFactory = _ => 256 };
        var hashes = new Option<int>("--hashes") { Description = "rappor: hash functions.", DefaultValueFactory = _ => 2 };
        var command = new Command("simulate", "Simulate a population reporting through a local-DP frequency oracle; compare the decoded counts with the truth and the predicted error.")
        {
            mechanism, domain, epsilon, users, distribution, bits, hashes,
        };
        command.SetAction((r, _) =>
        {
            try
            {
                var d = r.GetValue(domain);
                var n = r.GetValue(users);
                var e = r.GetValue(epsilon);
                if (d < 2 || n < 1)
                {
                    throw new ArgumentException("--domain is at least 2 and --users at least 1.");
                }

                var truth = r.GetValue(distribution) switch
                {
                    "zipf" => Counts(n, [.. Enumerable.Range(1, d).Select(k => 1.0 / k)]),
                    "uniform" => Counts(n, [.. Enumerable.Repeat(1.0, d)]),
                    var other => throw new ArgumentException($"Unknown --distribution '{other}': zipf or uniform."),
                };
                var values = Enumerable.Range(0, d).SelectMany(v => Enumerable.Repeat(v, (int)truth[v]));
                var random = new CryptoRandomSource();
                var clock = System.Diagnostics.Stopwatch.StartNew();
                (double[] Estimate, Func<int, double> Variance, double Epsilon) outcome = r.GetValue(mechanism) switch
                {
                    "rr" => Run(new RandomizedResponse(d, e), x => x.Estimate(values.Select(v => x.Report(v, random))), x => v => x.Variance(n, truth[v]), x => x.EffectiveEpsilon),
                    "olh" => Run(new OptimizedLocalHashing(d, e), x => x.Estimate(values.Select(v => x.Report(v, random))), x => v => x.Variance(n, truth[v]), x => x.EffectiveEpsilon),
                    "oue" or "sue" => Run(new UnaryEncoding(d, e, r.GetValue(mechanism) == "oue"), x => x.Estimate(values.Select(v => x.Report(v, random))), x => v => x.Variance(n, truth[v]), x => x.EffectiveEpsilon),
                    "rappor" => Run(
                        new BloomRappor(d, r.GetValue(bits), r.GetValue(hashes), 2 / (1 + Math.Exp(e / (2 * r.GetValue(hashes))))),
                        x => x.Estimate(values.Select(v => x.Report(v, random))),
                        x => v => x.Variance(n, v),
                        x => x.EffectiveEpsilon),
                    var other => throw new ArgumentException($"Unknown --mechanism '{other}': rr, olh, oue, sue or rappor."),
                };
                var errors = outcome.Estimate.Select((est, v) => Math.Abs(est - truth[v])).ToArray();
                stdout.WriteLine(JsonSerializer.Serialize(
                    new
                    {
                        mechanism = r.GetValue(mechanism),
                        domain = d,
                        users = n,
                        effectiveEpsilon = outcome.Epsilon,
                        seconds = clock.Elapsed.TotalSeconds,
                        meanAbsoluteError = errors.Average(),
                        predictedRootMeanSquareError = Math.Sqrt(Enumerable.Range(0, d).Average(outcome.Variance)),
                        maxAbsoluteError = errors.Max(),
                        top = Enumerable.Range(0, Math.Min(10, d)).Select(v => new { value = v, trueCount = truth[v], estimate = Math.Round(outcome.Estimate[v], 1) }),
                    },
                    CliJson.Indented));
                return Task.FromResult(ExitCodes.Success);
            }
            catch (ArgumentException ex)
            {
                stderr.WriteLine(ex.Message);
                return Task.FromResult(ExitCodes.Usage);
            }
        });
        return new Command("ldp", "Local differential privacy.") { command };
    }

    private static (double[], Func<int, double>, double) Run<T>(T oracle, Func<T, double[]> estimate, Func<T, Func<int, double>> variance, Func<T, double> epsilon) =>
        (estimate(oracle), variance(oracle), epsilon(oracle));

    private static long[] Counts(int users, double[] weights)
    {
        var counts = weights.Select(w => (long)(users * w / weights.Sum())).ToArray();
        counts[0] += users - counts.Sum();
        return counts;
    }

    private static object Describe<T>(Release<T> release) => new
    {
        value = release.Value,
        noiseStandardDeviation = double.IsNaN(release.NoiseStandardDeviation) ? (double?)null : release.NoiseStandardDeviation,
        privacy = Privacy(release.Cost),
        epsilonAtDelta1e6 = PrivacyAccountant.EpsilonFor(release.Cost, 1e-6),
    };

    private static string Privacy(PrivacyCost cost) => cost switch
    {
        PrivacyCost.Pure p => $"{p.Epsilon.Value.ToString(CultureInfo.InvariantCulture)}-DP (pure)",
        PrivacyCost.Zcdp z => $"{z.Rho.Value.ToString(CultureInfo.InvariantCulture)}-zCDP",
        PrivacyCost.SubsampledGaussian g => string.Create(CultureInfo.InvariantCulture, $"DP-SGD (q = {g.SamplingRate:G4}, σ = {g.NoiseMultiplier:G4}, {g.Steps} steps)"),
        _ => throw new ArgumentOutOfRangeException(nameof(cost), "Unknown privacy cost."),
    };

}
