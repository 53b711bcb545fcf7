using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Obscura.Biometrics.Protection;

/// <summary>
/// Uniform integers from the operating system's CSPRNG, read in blocks so that drawing a 65,536-element permutation
/// costs a few calls rather than one per element. Exactly uniform: values are drawn by rejection, never by a biased
/// modulo. The buffer is zeroed when the stream is disposed.
/// </summary>
internal sealed class SecureRandomStream : IDisposable
{
    private readonly byte[] _buffer = new byte[16384];
    private int _position;

    public SecureRandomStream() => Refill();

    /// <summary>A uniform integer in 0 … <paramref name="bound"/> − 1.</summary>
    public uint NextBelow(uint bound)
    {
        ArgumentOutOfRangeException.ThrowIfZero(bound);

        // The largest multiple of bound that fits in 2^32: values at or above it are rejected, so value % bound is uniform.
        var accept = (1UL << 32) - ((1UL << 32) % bound);
        while (true)
        {
            var value = NextUInt32();
            if (value < accept)
            {
                return value % bound;
            }
        }
    }

    /// <summary>A uniformly random permutation of 0 … <paramref name="count"/> − 1 (Fisher–Yates).</summary>
    public int[] Permutation(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var result = new int[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = i;
        }

        for (var i = count - 1; i > 0; i--)
        {
            var j = (int)NextBelow((uint)i + 1);
            (result[i], result[j]) = (result[j], result[i]);
        }

        return result;
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_buffer);

    private uint NextUInt32()
    {
        if (_position + 4 > _buffer.Length)
        {
            Refill();
        }

        var value = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_position));
        _position += 4;
        return value;
    }

    private void Refill()
    {
        RandomNumberGenerator.Fill(_buffer);
        _position = 0;
    }
}
