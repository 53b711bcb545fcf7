namespace Obscura.ModelPrivacy.Training;

/// <summary>
/// How to train. With <see cref="NoiseMultiplier"/> set, training is DP-SGD (Abadi et al. 2016): each step takes a
/// Poisson sample (every example independently with probability <see cref="BatchSize"/> over the number of examples), clips each example's
/// gradient to L2 norm <see cref="ClipNorm"/>, adds Gaussian noise of standard deviation σ·C to the sum and divides
/// by the expected batch size. Without it, plain minibatch SGD on shuffled batches of the same expected size.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the data (steps = epochs / sampling rate).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>The expected batch size; the sampling rate is this over the number of examples.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Learning rate of SGD.</summary>
    public float LearningRate { get; init; } = 0.1f;

    /// <summary>Per-example L2 clipping norm C (DP-SGD only).</summary>
    public float ClipNorm { get; init; } = 1f;

    /// <summary>DP-SGD's noise multiplier σ; null trains without privacy.</summary>
    public double? NoiseMultiplier { get; init; }

    /// <summary>Threads for the per-example work (default: all cores).</summary>
    public int Parallelism { get; init; }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public TrainingOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 1, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        if (!(LearningRate > 0 && float.IsFinite(LearningRate)))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), "The learning rate is positive.");
        }

        if (!(ClipNorm > 0 && float.IsFinite(ClipNorm)))
        {
            throw new ArgumentOutOfRangeException(nameof(ClipNorm), "The clipping norm is positive.");
        }

        if (NoiseMultiplier is { } sigma && !(sigma > 0 && double.IsFinite(sigma)))
        {
            throw new ArgumentOutOfRangeException(nameof(NoiseMultiplier), "The noise multiplier is positive.");
        }

        return this;
    }
}
