using System.Globalization;

namespace Obscura.ModelPrivacy.Serving;

/// <summary>
/// How a registered model is served to one API key: what a prediction reveals (<see cref="Output"/>), a token bucket
/// (<see cref="RatePerSecond"/> tokens a second up to <see cref="Burst"/>; one token a query) and a total number of
/// queries the key may ever make (<see cref="MaxQueries"/>). Both limits are kept in the registry's database, so they
/// hold across every server and CLI process sharing the data folder.
/// </summary>
public sealed record ServingPolicy
{
    /// <summary>The hardened default: label only, 5 queries a second with bursts of 20, 10,000 queries in all.</summary>
    public static ServingPolicy Default { get; } = new();

    /// <summary>What a prediction reveals.</summary>
    public OutputPolicy Output { get; init; } = OutputPolicy.LabelOnly;

    /// <summary>Tokens added a second (0: no rate limit).</summary>
    public double RatePerSecond { get; init; } = 5;

    /// <summary>The bucket's size: the most queries in a burst.</summary>
    public int Burst { get; init; } = 20;

    /// <summary>The most queries the key may make in all (null: no limit).</summary>
    public long? MaxQueries { get; init; } = 10_000;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public ServingPolicy Validate()
    {
        ArgumentNullException.ThrowIfNull(Output);
        if (!(RatePerSecond >= 0 && RatePerSecond <= 1e6))
        {
            throw new ArgumentOutOfRangeException(nameof(RatePerSecond), "The rate is 0 (unlimited) to 1,000,000 queries a second.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Burst, 1, nameof(Burst));
        if (MaxQueries is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxQueries), "The query limit is at least 1 (or none).");
        }

        return this;
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Output}; {RatePerSecond:G}/s burst {Burst}; total {(MaxQueries is { } m ? m.ToString(CultureInfo.InvariantCulture) : "unlimited")}");
}
