using System.Diagnostics;
using System.Numerics.Tensors;
using Obscura.ModelPrivacy.Data;

namespace Obscura.ModelPrivacy.Training;

/// <summary>Trains a <see cref="Classifier"/> by SGD or DP-SGD (<see cref="TrainingOptions"/>), and measures accuracy.</summary>
public static class SgdTrainer
{
    /// <summary>Trains on <paramref name="data"/>; <paramref name="progress"/> gets each epoch.</summary>
    public static TrainingResult Train(
        Classifier model, ImageDataset data, TrainingOptions options, NoiseSource noise, int initSeed = 1, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(noise);
        options = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        if (data.Pixels != model.Inputs || data.Classes > model.Classes || data.Count == 0)
        {
            throw new ArgumentException("The data does not fit the model's inputs and classes, or is empty.", nameof(data));
        }

        var n = data.Count;
        var (rate, totalSteps) = Schedule(n, options);
        var stepsPerEpoch = (int)(totalSteps / options.Epochs);
        var parameters = model.Initialize(initSeed);
        var sum = new float[model.ParameterCount];
        var threads = options.Parallelism > 0 ? options.Parallelism : Environment.ProcessorCount;
        var partials = Enumerable.Range(0, threads).Select(_ => new float[model.ParameterCount]).ToArray();
        var workspaces = Enumerable.Range(0, threads).Select(_ => model.NewWorkspace()).ToArray();
        var order = Enumerable.Range(0, n).ToArray();
        var batch = new List<int>(options.BatchSize * 2);
        var clock = Stopwatch.StartNew();
        long steps = 0, processed = 0;
        var dp = options.NoiseMultiplier is not null;
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            double lossSum = 0;
            long lossCount = 0, clipped = 0;
            if (!dp)
            {
                Shuffle(order, noise);
            }

            for (var s = 0; s < stepsPerEpoch; s++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                batch.Clear();
                if (dp)
                {
                    // Poisson sampling: the privacy analysis of the subsampled Gaussian assumes exactly this.
                    for (var i = 0; i < n; i++)
                    {
                        if (noise.Uniform() < rate)
                        {
                            batch.Add(i);
                        }
                    }
                }
                else
                {
                    var start = (int)((long)s * n / stepsPerEpoch);
                    var end = (int)((long)(s + 1) * n / stepsPerEpoch);
                    batch.AddRange(order.AsSpan(start, end - start));
                }

                var (loss, clippedHere) = AccumulateGradients(model, data, parameters, batch, dp ? options.ClipNorm : float.PositiveInfinity, partials, workspaces, sum);
                lossSum += loss;
                lossCount += batch.Count;
                clipped += clippedHere;
                processed += batch.Count;
                float divisor;
                if (dp)
                {
                    var sd = options.NoiseMultiplier!.Value * options.ClipNorm;
                    for (var k = 0; k < sum.Length; k++)
                    {
                        sum[k] += (float)(sd * noise.Gaussian());
                    }

                    divisor = (float)(rate * n);
                }
                else
                {
                    divisor = Math.Max(1, batch.Count);
                }

                TensorPrimitives.MultiplyAdd(sum, -options.LearningRate / divisor, parameters, parameters);
                steps++;
            }

            progress?.Report(new TrainingProgress(epoch, options.Epochs, steps, lossCount == 0 ? 0 : lossSum / lossCount, lossCount == 0 ? 0 : clipped / (double)lossCount));
        }

        return new TrainingResult(parameters, steps, rate, options.NoiseMultiplier, processed, clock.Elapsed);
    }

    /// <summary>
    /// The sampling rate q = batch / examples (at most 1) and the number of steps, epochs × round(1/q): what training
    /// does and what the privacy accountant must be told.
    /// </summary>
    public static (double SamplingRate, long Steps) Schedule(int examples, TrainingOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(examples, 1);
        ArgumentNullException.ThrowIfNull(options);
        var rate = Math.Min(1.0, options.BatchSize / (double)examples);
        return (rate, (long)options.Epochs * (long)Math.Max(1, Math.Round(1 / rate)));
    }

    /// <summary>The share of <paramref name="data"/> the model classifies correctly.</summary>
    public static double Accuracy(Classifier model, ReadOnlySpan<float> parameters, ImageDataset data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var copy = parameters.ToArray();
        var correct = 0;
        Parallel.For(
            0,
            data.Count,
            model.NewWorkspace,
            (i, _, workspace) =>
            {
                if (model.Predict(copy, data.Images[i], workspace) == data.Labels[i])
                {
                    Interlocked.Increment(ref correct);
                }

                return workspace;
            },
            _ => { });
        return correct / (double)data.Count;
    }

    /// <summary>
    /// Sums the batch's per-example gradients, each scaled to L2 norm at most <paramref name="clip"/>, into
    /// <paramref name="sum"/>; returns the summed loss and how many examples were clipped.
    /// </summary>
    internal static (double Loss, long Clipped) AccumulateGradients(
        Classifier model, ImageDataset data, float[] parameters, List<int> batch, float clip, float[][] partials, Classifier.Workspace[] workspaces, float[] sum)
    {
        var threads = partials.Length;
        var losses = new double[threads];
        var clippedCounts = new long[threads];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var partial = partials[t];
            Array.Clear(partial);
            var workspace = workspaces[t];
            for (var b = t; b < batch.Count; b += threads)
            {
                var x = data.Images[batch[b]];
                var (loss, squared) = model.Backward(parameters, x, data.Labels[batch[b]], workspace);
                var norm = Math.Sqrt(squared);
                if (!double.IsFinite(norm) || !double.IsFinite(loss))
                {
                    // A non-finite gradient cannot be clipped (NaN > C is false, and 0 × ∞ is NaN): the example is left
                    // out of this step entirely, so no single example can turn the update non-finite.
                    clippedCounts[t]++;
                    continue;
                }

                losses[t] += loss;
                var scale = 1f;
                if (norm > clip)
                {
                    scale = (float)(clip / norm);
                    clippedCounts[t]++;
                }

                model.AddGradient(x, workspace, scale, partial);
            }
        });

        Array.Copy(partials[0], sum, sum.Length);
        for (var t = 1; t < threads; t++)
        {
            TensorPrimitives.Add(sum, partials[t], sum);
        }

        return (losses.Sum(), clippedCounts.Sum());
    }

    private static void Shuffle(int[] order, NoiseSource random)
    {
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = (int)(random.Uniform() * (i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
    }
}
