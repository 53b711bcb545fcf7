using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Obscura.Biometrics.Onnx.Models;

/// <summary>
/// One protobuf message under construction, written field by field in the order the calls are made (so the output
/// is deterministic). Only the wire types ONNX needs: varint (0), 32-bit (5) and length-delimited (2).
/// </summary>
internal sealed class ProtoWriter
{
    private const int WireVarint = 0;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    private readonly ArrayBufferWriter<byte> _buffer = new();

    /// <summary>A varint field; negative values take ten bytes (two's complement), as protobuf's int64 does.</summary>
    public ProtoWriter Varint(int field, long value)
    {
        Key(field, WireVarint);
        WriteVarint(unchecked((ulong)value));
        return this;
    }

    /// <summary>A 32-bit float field, little-endian.</summary>
    public ProtoWriter Float(int field, float value)
    {
        Key(field, WireFixed32);
        BinaryPrimitives.WriteSingleLittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    /// <summary>A UTF-8 string field.</summary>
    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>A length-delimited bytes field.</summary>
    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Key(field, WireLengthDelimited);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
        return this;
    }

    /// <summary>An embedded message field.</summary>
    public ProtoWriter Message(int field, ProtoWriter value)
    {
        Key(field, WireLengthDelimited);
        WriteVarint((ulong)value._buffer.WrittenCount);
        _buffer.Write(value._buffer.WrittenSpan);
        return this;
    }

    /// <summary>The encoded message.</summary>
    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    private void Key(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            WriteByte((byte)((value & 0x7F) | 0x80));
            value >>= 7;
        }

        WriteByte((byte)value);
    }

    private void WriteByte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }
}
