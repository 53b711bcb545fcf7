using Obscura.Privacy.Sampling;

namespace Obscura.StoreAnalytics.Tests;

/// <summary>A reproducible source (System.Random with a seed) for tests where randomness is not the thing under test.</summary>
internal sealed class SeededRandom(int seed) : IRandomSource
{
    private readonly Random _random = new(seed);

    public ulong NextUInt64()
    {
        Span<byte> bytes = stackalloc byte[8];
        _random.NextBytes(bytes);
        return BitConverter.ToUInt64(bytes);
    }

    public double NextDouble() => _random.NextDouble();

    public double NextGaussian() => Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
}
