using System.Globalization;
using Obscura.ModelPrivacy.Data;
using Obscura.ModelPrivacy.Training;

namespace Obscura.Benchmarks;

/// <summary>
/// DP-SGD against plain SGD on the same model and data, in one run: training throughput (examples whose gradient was
/// computed, per second) for the MLP 784-128-10 and logistic regression, alternating plain, DP, plain, DP.
/// Usage: <c>dotnet run -c Release --project bench/Obscura.Benchmarks -- dp-sgd --data-dir /usr/share/datasets/fashion-mnist [--epochs 2]</c>.
/// </summary>
internal static class DpSgdBench
{
    /// <summary>The first argument that selects this run instead of BenchmarkDotNet.</summary>
    public const string Command = "dp-sgd";

    public static int Run(string[] args)
    {
        string? dataDir = null;
        var epochs = 2;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--data-dir":
                    dataDir = args[i + 1];
                    break;
                case "--epochs" when int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var e) && e > 0:
                    epochs = e;
                    break;
                default:
                    Console.Error.WriteLine("usage: dp-sgd --data-dir DIR [--epochs N]");
                    return 2;
            }
        }

        if (dataDir is null)
        {
            Console.Error.WriteLine("usage: dp-sgd --data-dir DIR [--epochs N] (Debian: /usr/share/datasets/fashion-mnist)");
            return 2;
        }

        var train = IdxReader.Load(dataDir, "train");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{train.Count} images, {epochs} epochs per row, batch 512, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        Console.WriteLine();
        Console.WriteLine("| model | plain SGD, examples/s (run 1 / run 2) | DP-SGD, examples/s (run 1 / run 2) | DP / plain |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (var hidden in new[] { 128, 0 })
        {
            var model = new Classifier(train.Pixels, train.Classes, hidden);
            var plain = new TrainingOptions { Epochs = epochs, BatchSize = 512, LearningRate = 0.5f };
            var dp = plain with { LearningRate = 2f, NoiseMultiplier = 0.94 };
            var rates = new List<(double Plain, double Dp)>();
            for (var run = 0; run < 2; run++)
            {
                var p = SgdTrainer.Train(model, train, plain, NoiseSource.Seeded(run)).ExamplesPerSecond;
                var d = SgdTrainer.Train(model, train, dp, NoiseSource.Secure()).ExamplesPerSecond;
                rates.Add((p, d));
            }

            var ratio = rates.Sum(r => r.Dp) / rates.Sum(r => r.Plain);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {(hidden == 0 ? "logistic regression" : $"MLP 784-{hidden}-10")} | {rates[0].Plain:N0} / {rates[1].Plain:N0} | {rates[0].Dp:N0} / {rates[1].Dp:N0} | {ratio:F2} |"));
        }

        return 0;
    }
}
