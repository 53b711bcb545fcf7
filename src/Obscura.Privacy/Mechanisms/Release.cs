using Obscura.Privacy.Accounting;

namespace Obscura.Privacy.Mechanisms;

/// <summary>A differentially private release.</summary>
/// <param name="Value">The noisy answer.</param>
/// <param name="Cost">What it spent.</param>
/// <param name="NoiseStandardDeviation">Standard deviation of the noise added, in the answer's units; NaN for the mean and quantiles, whose error is not additive noise.</param>
/// <param name="RowsUsed">Rows left after contribution bounding (itself not private: do not publish it).</param>
public sealed record Release<T>(T Value, PrivacyCost Cost, double NoiseStandardDeviation, int RowsUsed);

/// <summary>One input row: whose it is and its value.</summary>
public readonly record struct Row<T>(string Subject, T Value);
