using Obscura.Privacy;

namespace Obscura.StoreAnalytics.Analytics;

/// <summary>
/// How the processor publishes: every cell resting on fewer than <see cref="MinimumCell"/> events is suppressed; with
/// <see cref="VisitsEpsilon"/> set, the visit counts are released with discrete Laplace noise under ε-DP per visit.
/// </summary>
public sealed record ReportOptions(int MinimumCell, Rational? VisitsEpsilon = null)
{
    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The minimum cell is below 1 or ε is not positive.</exception>
    public ReportOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumCell, 1, nameof(MinimumCell));
        if (VisitsEpsilon is { } e && e.Numerator == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(VisitsEpsilon), "ε is positive.");
        }

        return this;
    }
}
