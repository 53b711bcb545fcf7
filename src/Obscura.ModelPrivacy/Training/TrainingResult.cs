namespace Obscura.ModelPrivacy.Training;

/// <summary>A trained model's parameters and what training did.</summary>
public sealed record TrainingResult(float[] Parameters, long Steps, double SamplingRate, double? NoiseMultiplier, long ExamplesProcessed, TimeSpan Elapsed)
{
    /// <summary>Examples whose gradient was computed, per second of training.</summary>
    public double ExamplesPerSecond => ExamplesProcessed / Math.Max(Elapsed.TotalSeconds, 1e-9);
}
