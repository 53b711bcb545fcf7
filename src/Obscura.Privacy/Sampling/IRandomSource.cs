namespace Obscura.Privacy.Sampling;

/// <summary>
/// Uniform random bits for the samplers. Production code uses <see cref="CryptoRandomSource"/>; a seeded source exists
/// only in the tests, where reproducibility matters more than unpredictability.
/// </summary>
public interface IRandomSource
{
    /// <summary>64 uniform random bits.</summary>
    ulong NextUInt64();
}
