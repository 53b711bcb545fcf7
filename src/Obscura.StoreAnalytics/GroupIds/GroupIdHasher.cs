using System.Buffers.Binary;
using System.Security.Cryptography;
using Obscura.Privacy.Sampling;

namespace Obscura.StoreAnalytics.GroupIds;

/// <summary>
/// One day's group-ID function: <c>b</c> Gaussian hyperplanes drawn from the day's key (HMAC-SHA256 in counter mode,
/// Box–Muller), the sign of the embedding against each, and each sign bit flipped with probability p from a
/// cryptographic random source (randomised response: the same face given two draws gets the same ID only with the
/// calibrated probability, see <see cref="ReMatchModel"/>). The edge draws once per <em>visit</em>
/// (<see cref="Sketch"/>, then <see cref="Randomise"/> for the visit's first capture): a draw per capture would let the
/// processor undo the flips by taking the most frequent ID of a visit. Thread-safe.
/// </summary>
public sealed class GroupIdHasher
{
    /// <summary>Tracking bits per capture (<see cref="FaceSketch"/>).</summary>
    public const int TrackingBits = 256;

    private static readonly byte[] TrackingInfo = "obscura-store-tracking/v1"u8.ToArray();
    private readonly float[] _planes;
    private readonly Lazy<float[]> _trackingPlanes;
    private readonly byte[] _trackingKey;
    private readonly IRandomSource _random;
    private readonly ulong _flipThreshold;

    /// <summary>Derives the day's hyperplanes for embeddings of <paramref name="dimension"/> values.</summary>
    /// <param name="dailyKey">The day's key (<see cref="DailyKeyRatchet.DailyKey"/>).</param>
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

        // The tracking planes are drawn on the first sketch only: a hasher used for single IDs never needs them.
        _trackingKey = HMACSHA256.HashData(dailyKey, TrackingInfo);
        _trackingPlanes = new Lazy<float[]>(
            () =>
            {
                var planes = TrackingHyperplanes(_trackingKey, TrackingBits * dimension);
                CryptographicOperations.ZeroMemory(_trackingKey);
                return planes;
            },
            LazyThreadSafetyMode.ExecutionAndPublication);

        // A flip happens when a uniform 64-bit draw falls below p·2^64 (p ≤ ½, so the threshold fits).
        _flipThreshold = (ulong)Math.Min(parameters.FlipProbability * 18446744073709551616.0, ulong.MaxValue);
    }

    /// <summary>The parameters in force.</summary>
    public GroupIdParameters Parameters { get; }

    /// <summary>Embedding dimension.</summary>
    public int Dimension { get; }

    /// <summary>
    /// The embedding's group ID with a fresh draw of flips: <see cref="Randomise"/> of <see cref="Sketch"/>. One capture
    /// is one draw; the edge uses one draw per visit instead (the embedding need not be normalised: only signs matter).
    /// </summary>
    /// <exception cref="ArgumentException">The dimension differs.</exception>
    public GroupId Hash(ReadOnlySpan<float> embedding)
    {
        CheckDimension(embedding);
        return Randomise(new FaceSketch((uint)Signs(_planes, Parameters.Bits, embedding), []));
    }

    /// <summary>The unflipped group-ID bits and the tracking bits of an embedding (no randomness).</summary>
    /// <exception cref="ArgumentException">The dimension differs.</exception>
    public FaceSketch Sketch(ReadOnlySpan<float> embedding)
    {
        CheckDimension(embedding);
        var planes = _trackingPlanes.Value;
        var tracking = new ulong[TrackingBits / 64];
        for (var w = 0; w < tracking.Length; w++)
        {
            tracking[w] = Signs(planes.AsSpan(w * 64 * Dimension, 64 * Dimension), 64, embedding);
        }

        return new FaceSketch((uint)Signs(_planes, Parameters.Bits, embedding), tracking);
    }

    /// <summary>The group ID of a sketch: each of its b bits flipped independently with probability p (one fresh draw per call).</summary>
    public GroupId Randomise(FaceSketch sketch)
    {
        var bits = sketch.Code;
        for (var i = 0; i < Parameters.Bits; i++)
        {
            if (_flipThreshold > 0 && _random.NextUInt64() < _flipThreshold)
            {
                bits ^= 1u << (Parameters.Bits - 1 - i);
            }
        }

        return new GroupId(bits, Parameters.Bits);
    }

    /// <summary>
    /// Zeroes the day's hyperplanes (they compute the day's IDs as well as its key does): the edge calls this when a
    /// later day starts, so that dropping the hasher does not leave them in the heap for whoever reads the memory later.
    /// The hasher gives only meaningless codes afterwards.
    /// </summary>
    internal void Erase()
    {
        Array.Clear(_planes);
        CryptographicOperations.ZeroMemory(_trackingKey);
        if (_trackingPlanes.IsValueCreated)
        {
            Array.Clear(_trackingPlanes.Value);
        }
    }

    private void CheckDimension(ReadOnlySpan<float> embedding)
    {
        if (embedding.Length != Dimension)
        {
            throw new ArgumentException($"The embedding has {embedding.Length} values; the hasher expects {Dimension}.", nameof(embedding));
        }
    }

    private ulong Signs(ReadOnlySpan<float> planes, int count, ReadOnlySpan<float> embedding)
    {
        ulong bits = 0;
        for (var i = 0; i < count; i++)
        {
            var plane = planes.Slice(i * Dimension, Dimension);
            var dot = 0.0;
            for (var j = 0; j < plane.Length; j++)
            {
                dot += (double)plane[j] * embedding[j];
            }

            bits = (bits << 1) | (dot >= 0 ? 1ul : 0ul);
        }

        return bits;
    }

    /// <summary>
    /// The tracking hyperplanes: Gaussians by Box–Muller from AES-256 in counter mode under the tracking key (four times
    /// as many values as the group-ID planes' HMAC per call would need; a hasher is made once a day, but tests make many).
    /// </summary>
    private static float[] TrackingHyperplanes(byte[] key, int count)
    {
        var values = new float[count];
        var stream = new byte[((count + 1) / 2) * 16];
        for (var block = 0; block < stream.Length / 16; block++)
        {
            BinaryPrimitives.WriteInt64BigEndian(stream.AsSpan(block * 16 + 8), block);
        }

        using (var aes = Aes.Create())
        {
            aes.Key = key;
            aes.EncryptEcb(stream, stream, PaddingMode.None);
        }

        for (var i = 0; i < count; i += 2)
        {
            var u1 = ((BinaryPrimitives.ReadUInt64BigEndian(stream.AsSpan(i * 8)) >> 11) + 1) / 9007199254740992.0;
            var u2 = (BinaryPrimitives.ReadUInt64BigEndian(stream.AsSpan((i * 8) + 8)) >> 11) / 9007199254740992.0;
            var r = Math.Sqrt(-2 * Math.Log(u1));
            values[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < count)
            {
                values[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
            }
        }

        CryptographicOperations.ZeroMemory(stream);
        return values;
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
