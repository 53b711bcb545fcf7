namespace Obscura.StoreAnalytics.GroupIds;

/// <summary>
/// How group IDs are made: <see cref="Bits"/> random hyperplanes, each sign bit flipped independently with probability
/// <see cref="FlipProbability"/> (randomised response), and the smallest group published per time band,
/// <see cref="MinimumGroupSize"/> (k).
/// </summary>
public sealed record GroupIdParameters(int Bits, double FlipProbability, int MinimumGroupSize)
{
    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Bits outside 1–16, p outside [0, 0.5], or k below 1.</exception>
    public GroupIdParameters Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Bits, 1, nameof(Bits));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Bits, GroupId.MaxLength, nameof(Bits));
        if (!(FlipProbability is >= 0 and <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(FlipProbability), "The flip probability is in [0, 0.5].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumGroupSize, 1, nameof(MinimumGroupSize));
        return this;
    }
}
