using Obscura.Privacy.Sampling;

namespace Obscura.Privacy.Local;

/// <summary>
/// A biased coin for local randomisers. Their probabilities (such as e^ε/(e^ε + k − 1)) are irrational, so each is
/// rounded down to a multiple of 2^-64 and flipped exactly by comparing 64 random bits with it. The privacy loss is
/// reported from the rounded probabilities (<see cref="Probability"/>), not the ideal ones; the two differ by less
/// than 2^-60 in ε.
/// </summary>
internal readonly record struct LocalCoin
{
    private readonly ulong _threshold;

    public LocalCoin(double probability)
    {
        if (!(probability >= 0 && probability <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "A probability lies in [0, 1].");
        }

        _threshold = probability >= 1 ? ulong.MaxValue : (ulong)Math.Floor(probability * 18446744073709551616.0);
    }

    /// <summary>The probability actually used: threshold / 2^64.</summary>
    public double Probability => _threshold / 18446744073709551616.0;

    public bool Flip(IRandomSource random) => random.NextUInt64() < _threshold;
}
