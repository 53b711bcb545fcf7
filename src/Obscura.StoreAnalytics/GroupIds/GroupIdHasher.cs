using System.Buffers.Binary;
using System.Security.Cryptography;
using Obscura.Privacy.Sampling;

namespace Obscura.StoreAnalytics.GroupIds;

/// <summary>
/// One day's group-ID function: <c>b</c> Gaussian hyperplanes drawn from the day's key (HMAC-SHA256 in counter mode,
/// Box–Muller), the sign of the embedding against each, and each sign bit flipped with probability p from a
/// cryptographic random source (randomised response: the flips are fresh per capture, so the same face captured twice
/// gets the same ID only with the calibrated probability, see <see cref="ReMatchModel"/>). Thread-safe.
/// </summary>
public sealed class GroupIdHasher
{
    private readonly float[] _planes;
    private readonly IRandomSource _random;
    private readonly ulong _flipThreshold;

    /// <summary>Derives the day's hyperplanes for embeddings of <paramref name="dimension"/> values.</summary>
    /// <param name="dailyKey">The day's key (<see cref="StoreSecret.DailyKey(string, DateOnly)"/>).</param>
    /// <param name="dimension">Embedding dimension.</param>
    /// <param name="parameters">Bits and flip probability.</param>
    /// <param name="random">Source of the flips; <see cref="CryptoRandomSource"/> unless a test needs reproducibility.</param>
    public GroupIdHasher(ReadOnlySpan<byte> dailyKey, int dimension, GroupIdParameters parameters, IRandomSource? random = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (dailyKey.Length < 16)
        {
            throw new ArgumentException("The daily key has at least 16 bytes.", nameof(dailyKey));
        }

        Dimension = dimension;
        _random = random ?? new CryptoRandomSource();
        _planes = Hyperplanes(dailyKey, parameters.Bits * dimension);

        // A flip happens when a uniform 64-bit draw falls below p·2^64 (p ≤ ½, so the threshold fits).
        _flipThreshold = (ulong)Math.Min(parameters.FlipProbability * 18446744073709551616.0, ulong.MaxValue);
    }

    /// <summary>The parameters in force.</summary>
    public GroupIdParameters Parameters { get; }

    /// <summary>Embedding dimension.</summary>
    public int Dimension { get; }

    /// <summary>The embedding's group ID (the embedding need not be normalised: only signs matter).</summary>
    /// <exception cref="ArgumentException">The dimension differs.</exception>
    public GroupId Hash(ReadOnlySpan<float> embedding)
    {
        if (embedding.Length != Dimension)
        {
            throw new ArgumentException($"The embedding has {embedding.Length} values; the hasher expects {Dimension}.", nameof(embedding));
        }

        uint bits = 0;
        for (var i = 0; i < Parameters.Bits; i++)
        {
            var plane = _planes.AsSpan(i * Dimension, Dimension);
            var dot = 0.0;
            for (var j = 0; j < plane.Length; j++)
            {
                dot += (double)plane[j] * embedding[j];
            }

            var bit = dot >= 0 ? 1u : 0u;
            if (_flipThreshold > 0 && _random.NextUInt64() < _flipThreshold)
            {
                bit ^= 1;
            }

            bits = (bits << 1) | bit;
        }

        return new GroupId(bits, Parameters.Bits);
    }

    /// <summary>The unflipped hyperplane bit i for an embedding (for tests of the geometry).</summary>
    internal bool PlaneSign(int i, ReadOnlySpan<float> embedding)
    {
        var plane = _planes.AsSpan(i * Dimension, Dimension);
        var dot = 0.0;
        for (var j = 0; j < plane.Length; j++)
        {
            dot += (double)plane[j] * embedding[j];
        }

        return dot >= 0;
    }

    private static float[] Hyperplanes(ReadOnlySpan<byte> key, int count)
    {
        var values = new float[count];
        using var hmac = new HMACSHA256(key.ToArray());
        Span<byte> counter = stackalloc byte[8];
        Span<byte> block = stackalloc byte[32];
        ulong n = 0;
        for (var i = 0; i < count; i += 2)
        {
            BinaryPrimitives.WriteUInt64BigEndian(counter, n++);
            hmac.TryComputeHash(counter, block, out _);

            // Two uniforms in (0, 1] from 53 bits each, then Box–Muller.
            var u1 = ((BinaryPrimitives.ReadUInt64BigEndian(block) >> 11) + 1) / 9007199254740992.0;
            var u2 = (BinaryPrimitives.ReadUInt64BigEndian(block[8..]) >> 11) / 9007199254740992.0;
            var r = Math.Sqrt(-2 * Math.Log(u1));
            values[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < count)
            {
                values[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
            }
        }

        return values;
    }
}
