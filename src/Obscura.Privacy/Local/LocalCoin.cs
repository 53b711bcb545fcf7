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

        // Within 2^-53 of 1 the product rounds to 2^64, which does not fit: such a coin is (as rounded) always heads.
        var scaled = Math.Floor(probability * 18446744073709551616.0);
        _threshold = scaled >= 18446744073709551616.0 ? ulong.MaxValue : (ulong)scaled;
    }

    /// <summary>The probability actually used: threshold / 2^64.</summary>
    public double Probability => _threshold / 18446744073709551616.0;

    public bool Flip(IRandomSource random) => random.NextUInt64() < _threshold;
}
