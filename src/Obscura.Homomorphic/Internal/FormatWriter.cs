using System.Buffers;
using System.Buffers.Binary;
using Obscura.Homomorphic.Arithmetic;
using Obscura.Homomorphic.Ckks;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Internal;

/// <summary>
/// Writes the binary layout shared by the CKKS and BGV serialisers: a 4-byte magic, a version byte, a kind byte, the
/// 16-byte parameter fingerprint (except for parameter sets), then fields; polynomials are written limb by limb with
/// each residue bit-packed at its modulus's width (a 40-bit prime costs 5 bytes per coefficient).
/// </summary>
internal sealed class FormatWriter
{
    private readonly ArrayBufferWriter<byte> _stream = new();

    public FormatWriter(ReadOnlySpan<byte> magic, byte version, SerializedKind kind, ReadOnlySpan<byte> fingerprint)
    {
        _stream.Write(magic);
        _stream.Write([version, (byte)kind]);
        _stream.Write(fingerprint);
    }

    /// <summary>Bytes taken by <paramref name="degree"/> residues of <paramref name="bits"/> bits, packed.</summary>
    public static int PackedLength(int degree, int bits) => (int)(((long)degree * bits + 7) / 8);

    public void Byte(byte value) => _stream.Write([value]);

    public void Bytes(ReadOnlySpan<byte> value) => _stream.Write(value);

    public void Int32(int value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, value);
        _stream.Write(b);
    }

    public void UInt64(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        _stream.Write(b);
    }

    public void Double(double value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(b, value);
        _stream.Write(b);
    }

    /// <summary>Each limb as its residues packed little-endian at the modulus's bit width.</summary>
    public void Polynomial(RnsPolynomial poly, RingContext ring)
    {
        for (var l = 0; l < poly.Limbs; l++)
        {
            Residues(poly.Limb(l), ring.ModulusAt(l));
        }
    }

    /// <summary>Residues below <paramref name="q"/>, packed little-endian at q's bit width; the buffer is cleared after use.</summary>
    public void Residues(ReadOnlySpan<ulong> values, Modulus q)
    {
        var bits = q.BitCount;
        var b = new byte[PackedLength(values.Length, bits)];
        UInt128 accumulator = 0;
        var held = 0;
        var position = 0;
        foreach (var value in values)
        {
            accumulator |= (UInt128)value << held;
            held += bits;
            while (held >= 8)
            {
                b[position++] = unchecked((byte)accumulator);
                accumulator >>= 8;
                held -= 8;
            }
        }

        if (held > 0)
        {
            b[position] = unchecked((byte)accumulator);
        }

        _stream.Write(b);
        Array.Clear(b);
    }

    public void SwitchingKey(KeySwitchingKey key, RingContext ring)
    {
        for (var j = 0; j < key.B.Length; j++)
        {
            Polynomial(key.B[j], ring);
            Polynomial(key.A[j], ring);
        }
    }

    /// <summary>Galois keys: their count, then (element, key) in increasing order of element.</summary>
    public void GaloisKeys(IEnumerable<int> elements, Func<int, KeySwitchingKey> find, RingContext ring)
    {
        var ordered = elements.Order().ToList();
        Int32(ordered.Count);
        foreach (var g in ordered)
        {
            Int32(g);
            SwitchingKey(find(g), ring);
        }
    }

    public byte[] ToArray() => _stream.WrittenSpan.ToArray();

    /// <summary>Zeroes the buffer (ArrayBufferWriter.Clear clears the written memory).</summary>
    public void Clear() => _stream.Clear();
}
