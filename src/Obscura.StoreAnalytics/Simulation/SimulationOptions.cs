namespace Obscura.StoreAnalytics.Simulation;

/// <summary>
/// A simulated store day: opening hours (store-local), Poisson arrival rates per band (visitors per minute), the
/// departments, dwell and checkout service means (minutes), the share of later-band arrivals who already came earlier
/// that day, and the embedding geometry: each capture lies at a genuine-pair angle drawn from
/// <see cref="GenuineAngles"/> (radians, measured on the real model) from the visitor's other captures, and different
/// visitors' embeddings have cosine about <see cref="ImpostorCosine"/>.
/// </summary>
public sealed record SimulationOptions
{
    /// <summary>Store id.</summary>
    public string Store { get; init; } = "sim-store";

    /// <summary>Days simulated, from <see cref="FirstDay"/>.</summary>
    public int Days { get; init; } = 1;

    /// <summary>The first day.</summary>
    public DateOnly FirstDay { get; init; } = new(2026, 12, 7);

    /// <summary>Opening time, store-local (also the start of the morning band).</summary>
    public TimeOnly Opens { get; init; } = new(9, 0);

    /// <summary>Closing time (no arrivals after; everyone leaves by then).</summary>
    public TimeOnly Closes { get; init; } = new(18, 0);

    /// <summary>Arrivals per minute in the morning, lunch and afternoon bands.</summary>
    public IReadOnlyList<double> ArrivalsPerMinute { get; init; } = [0.8, 1.6, 1.2];

    /// <summary>Department zones; each visitor sees one or two.</summary>
    public IReadOnlyList<string> Departments { get; init; } = ["clothing", "food", "garden"];

    /// <summary>Mean minutes in a department (exponential, at least one).</summary>
    public double MeanDwellMinutes { get; init; } = 6;

    /// <summary>Share of visitors who pay at the checkout.</summary>
    public double CheckoutShare { get; init; } = 0.7;

    /// <summary>Mean checkout service minutes (exponential, whole minutes, at least one).</summary>
    public double MeanServiceMinutes { get; init; } = 1;

    /// <summary>Checkout tills; a visitor takes the first free one.</summary>
    public int Tills { get; init; } = 2;

    /// <summary>Share of lunch and afternoon arrivals who visited earlier the same day.</summary>
    public double ReturningShare { get; init; } = 0.2;

    /// <summary>Genuine-pair angles (radians) of the real model.</summary>
    public required IReadOnlyList<double> GenuineAngles { get; init; }

    /// <summary>Mean cosine between different people's embeddings.</summary>
    public required double ImpostorCosine { get; init; }

    /// <summary>Embedding dimension.</summary>
    public int Dimension { get; init; } = 128;

    /// <summary>Seed of the simulation's randomness.</summary>
    public int Seed { get; init; } = 1;
}
