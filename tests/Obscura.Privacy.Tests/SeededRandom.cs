using Obscura.Privacy.Sampling;

namespace Obscura.Privacy.Tests;

/// <summary>SplitMix64: a seeded, reproducible source for tests where randomness is not the thing under test.</summary>
internal sealed class SeededRandom(ulong seed) : IRandomSource
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        unchecked
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}

/// <summary>Bounds for statistical assertions.</summary>
internal static class Tolerance
{
    /// <summary>
    /// Hoeffding: the mean of n independent draws in [0, 1] is within this distance of its expectation except with
    /// probability <paramref name="failure"/>.
    /// </summary>
    public static double Hoeffding(int n, double failure) => Math.Sqrt(Math.Log(2 / failure) / (2.0 * n));
}

/// <summary>The discrete Gaussian's mass function, normalised numerically over ±40σ.</summary>
internal static class DiscreteGaussianMass
{
    public static Func<long, double> Of(double variance)
    {
        var span = (long)(40 * Math.Sqrt(variance)) + 5;
        var norm = 0.0;
        for (var x = -span; x <= span; x++)
        {
            norm += Math.Exp(-(double)x * x / (2 * variance));
        }

        return x => Math.Exp(-(double)x * x / (2 * variance)) / norm;
    }

    /// <summary>The largest |x| worth summing over.</summary>
    public static long Span(double variance) => (long)(40 * Math.Sqrt(variance)) + 5;
}
