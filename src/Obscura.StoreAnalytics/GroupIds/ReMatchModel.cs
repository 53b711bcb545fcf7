namespace Obscura.StoreAnalytics.GroupIds;

/// <summary>
/// The probability that two captures of one person get the same group ID. For unit vectors at angle θ, one random
/// Gaussian hyperplane puts them on the same side with probability s(θ) = 1 − θ/π (Goemans–Williamson, Charikar 2002).
/// Each published bit is then flipped independently with probability p, so two bits agree with probability
/// a = (1 − p)² + p² when their hyperplane bits agreed and 1 − a when they did not:
/// q(θ) = s·a + (1 − s)(1 − a) = (1 − a) + s(2a − 1). The b hyperplanes and flips are independent given θ, so the IDs
/// agree with probability q(θ)^b, and over the genuine-pair angle distribution R(b, p) = E[q(θ)^b]. Two different
/// people collide with probability E[q(θ)^b] over impostor angles: 2^−b only if their embeddings were orthogonal,
/// which face embeddings are not.
/// </summary>
public static class ReMatchModel
{
    /// <summary>q(θ): the probability that one published bit agrees for two vectors at angle <paramref name="theta"/> (radians).</summary>
    public static double BitAgreement(double theta, double flipProbability)
    {
        var s = 1 - (Math.Clamp(theta, 0, Math.PI) / Math.PI);
        var a = ((1 - flipProbability) * (1 - flipProbability)) + (flipProbability * flipProbability);
        return (1 - a) + (s * ((2 * a) - 1));
    }

    /// <summary>R(b, p) = mean over the angles of q(θ)^b.</summary>
    /// <exception cref="ArgumentException">No angles were given.</exception>
    public static double ReMatch(IReadOnlyCollection<double> genuineAngles, int bits, double flipProbability)
    {
        ArgumentNullException.ThrowIfNull(genuineAngles);
        if (genuineAngles.Count == 0)
        {
            throw new ArgumentException("At least one genuine-pair angle is needed.", nameof(genuineAngles));
        }

        return genuineAngles.Average(t => Math.Pow(BitAgreement(t, flipProbability), bits));
    }

    /// <summary>R for each ID length 0…b (an ID merged to a shorter prefix re-matches more often).</summary>
    public static double[] ReMatchByLength(IReadOnlyCollection<double> genuineAngles, GroupIdParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return [.. Enumerable.Range(0, parameters.Bits + 1).Select(l => ReMatch(genuineAngles, l, parameters.FlipProbability))];
    }

    /// <summary>The angle between two unit vectors of cosine similarity <paramref name="cosine"/>.</summary>
    public static double Angle(double cosine) => Math.Acos(Math.Clamp(cosine, -1, 1));

    /// <summary>
    /// Chooses (b, p) for a target re-match probability: the most bits b (at most <paramref name="maxBits"/>) whose
    /// unflipped re-match R(b, 0) still reaches the target, then the flip probability p ∈ [0, ½] that brings R(b, p)
    /// down to the target (R falls monotonically in p on [0, ½]; found by bisection to 10⁻⁹). More bits mean fewer
    /// strangers share an ID; flips fill the gap to the target so the re-match is the target, not above it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The target is outside (0, 1) or maxBits outside 1–16.</exception>
    /// <exception cref="ArgumentException">No angles were given, or even one bit re-matches less often than the target.</exception>
    public static GroupIdParameters Calibrate(IReadOnlyCollection<double> genuineAngles, double targetReMatch, int minimumGroupSize, int maxBits = GroupId.MaxLength)
    {
        if (!(targetReMatch is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(targetReMatch), "The target re-match probability is in (0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxBits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBits, GroupId.MaxLength);
        var bits = 0;
        for (var b = 1; b <= maxBits && ReMatch(genuineAngles, b, 0) >= targetReMatch; b++)
        {
            bits = b;
        }

        if (bits == 0)
        {
            throw new ArgumentException($"Genuine pairs agree on one hyperplane less often than the target {targetReMatch:P0}; the model cannot reach it.", nameof(genuineAngles));
        }

        double low = 0, high = 0.5;
        while (high - low > 1e-9)
        {
            var mid = (low + high) / 2;
            if (ReMatch(genuineAngles, bits, mid) > targetReMatch)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return new GroupIdParameters(bits, Math.Round((low + high) / 2, 9), minimumGroupSize).Validate();
    }
}
