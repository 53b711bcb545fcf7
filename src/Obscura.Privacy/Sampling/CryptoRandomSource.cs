using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Obscura.Privacy.Sampling;

/// <summary>
/// Random bits from the operating system's CSPRNG (<see cref="RandomNumberGenerator"/>), read 4 KiB at a time. Not
/// thread-safe: use one instance per thread. Used bytes are zeroed as they are consumed.
/// </summary>
public sealed class CryptoRandomSource : IRandomSource
{
    private readonly byte[] _buffer = new byte[4096];
    private int _position = 4096;

    /// <inheritdoc />
    public ulong NextUInt64()
    {
        if (_position == _buffer.Length)
        {
            RandomNumberGenerator.Fill(_buffer);
            _position = 0;
        }

        var span = _buffer.AsSpan(_position, 8);
        var value = BinaryPrimitives.ReadUInt64LittleEndian(span);
        span.Clear();
        _position += 8;
        return value;
    }
}
