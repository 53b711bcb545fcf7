using Obscura.Governance.Internal;

namespace Obscura.Governance.Purposes;

/// <summary>How long data held for a purpose may be kept, in whole days (1 day to 100 years).</summary>
public readonly record struct RetentionPeriod
{
    /// <summary>The longest period accepted, in days.</summary>
    public const int MaxDays = 36525;

    private RetentionPeriod(int days) => Days = days;

    /// <summary>The period in days.</summary>
    public int Days { get; }

    /// <summary>The period as a <see cref="TimeSpan"/>.</summary>
    public TimeSpan Duration => TimeSpan.FromDays(Days);

    /// <summary>Creates a period of <paramref name="days"/> days.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="days"/> is below 1 or above <see cref="MaxDays"/>.</exception>
    public static RetentionPeriod FromDays(int days)
    {
        if (days is < 1 or > MaxDays)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(days), $"A retention period is between 1 and {MaxDays} days.");
        }

        return new RetentionPeriod(days);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Days} days";
}
