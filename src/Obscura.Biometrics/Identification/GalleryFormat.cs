using System.Buffers.Binary;
using System.Text;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Identification;

/// <summary>
/// The framing shared by the serialised gallery objects: a 4-byte magic, a version byte (1), then little-endian fields.
/// Strings are a 16-bit length and strict UTF-8; ciphertexts a 32-bit length and the engine's own format
/// (<see cref="CkksSerializer"/>, which checks the parameter set's fingerprint and every residue below its modulus).
/// No length read from the data is trusted for an allocation before it is checked against the bytes that remain and
/// the scheme's bounds.
/// </summary>
internal static class GalleryFormat
{
    public const byte Version = 1;

    /// <summary>The longest subject id and gallery key id, in UTF-8 bytes.</summary>
    public const int MaxIdBytes = 256;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Header(List<byte> output, ReadOnlySpan<byte> magic)
    {
        output.AddRange(magic);
        output.Add(Version);
    }

    public static void Int32(List<byte> output, int value) => LittleEndian(output, unchecked((uint)value), 4);

    public static void Int16(List<byte> output, short value) => LittleEndian(output, unchecked((ushort)value), 2);

    public static void Double(List<byte> output, double value) => LittleEndian(output, BitConverter.DoubleToUInt64Bits(value), 8);

    public static void String(List<byte> output, string value)
    {
        var bytes = StrictUtf8.GetBytes(value);
        Int16(output, checked((short)bytes.Length));
        output.AddRange(bytes);
    }

    public static void Ciphertext(List<byte> output, CkksCiphertext ciphertext)
    {
        var bytes = CkksSerializer.Serialize(ciphertext);
        Int32(output, bytes.Length);
        output.AddRange(bytes);
    }

    /// <summary>Writes subject ids as a count and the strings.</summary>
    public static void SubjectIds(List<byte> output, IReadOnlyList<string> subjectIds)
    {
        Int32(output, subjectIds.Count);
        foreach (var id in subjectIds)
        {
            String(output, id);
        }
    }

    /// <summary>Throws unless the ids are 1 to N distinct, non-empty strings of at most <see cref="MaxIdBytes"/> bytes; the message never names one.</summary>
    public static void CheckSubjectIds(IReadOnlyList<string> subjectIds, Func<string, Exception> error)
    {
        if (subjectIds.Count is 0 || subjectIds.Count > GalleryScheme.BlockSize)
        {
            throw error($"A block holds 1 to {GalleryScheme.BlockSize} subjects.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in subjectIds)
        {
            if (string.IsNullOrEmpty(id) || StrictUtf8.GetByteCount(id) > MaxIdBytes)
            {
                throw error($"A subject id is 1 to {MaxIdBytes} bytes of UTF-8.");
            }

            if (!seen.Add(id))
            {
                throw error("A subject id appears twice in one block.");
            }
        }
    }

    private static void LittleEndian(List<byte> output, ulong value, int bytes)
    {
        for (var i = 0; i < bytes; i++)
        {
            output.Add(unchecked((byte)(value >> (8 * i))));
        }
    }

    /// <summary>Reads what the writers above write, validating as it goes; every failure is a <see cref="GalleryFormatException"/>.</summary>
    public ref struct Reader
    {
        private readonly ReadOnlySpan<byte> _data;
        private readonly string _what;
        private int _position;

        public Reader(ReadOnlySpan<byte> data, ReadOnlySpan<byte> magic, string what)
        {
            _data = data;
            _what = what;
            _position = 0;
            if (!Take(magic.Length).SequenceEqual(magic))
            {
                throw Error("bad magic.");
            }

            if (Take(1)[0] != Version)
            {
                throw Error($"unsupported format version; this build reads version {Version}.");
            }
        }

        public readonly GalleryFormatException Error(string message) => new($"Refused {_what}: {message}");

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public short Int16() => BinaryPrimitives.ReadInt16LittleEndian(Take(2));

        public byte Byte() => Take(1)[0];

        public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

        public string String()
        {
            var length = Int16();
            if (length is < 1 or > MaxIdBytes)
            {
                throw Error($"An id is 1 to {MaxIdBytes} bytes of UTF-8.");
            }

            try
            {
                return StrictUtf8.GetString(Take(length));
            }
            catch (DecoderFallbackException)
            {
                throw Error("An id is not valid UTF-8.");
            }
        }

        /// <summary>A count, then that many subject ids, checked by <see cref="CheckSubjectIds"/> (the count before any allocation).</summary>
        public string[] SubjectIds()
        {
            var count = Int32();
            if (count is < 1 || count > GalleryScheme.BlockSize)
            {
                throw Error($"A block holds 1 to {GalleryScheme.BlockSize} subjects.");
            }

            var ids = new string[count];
            for (var i = 0; i < count; i++)
            {
                ids[i] = String();
            }

            var what = _what;
            CheckSubjectIds(ids, m => new GalleryFormatException($"Refused {what}: {m}"));
            return ids;
        }

        public CkksCiphertext Ciphertext()
        {
            // Take refuses a negative length or one beyond the bytes that remain before anything is read.
            var column = Take(Int32());
            try
            {
                return CkksSerializer.DeserializeCiphertext(column, GalleryScheme.Parameters);
            }
            catch (CkksFormatException e)
            {
                throw new GalleryFormatException($"Refused {_what}: a ciphertext is invalid: {e.Message}", e);
            }
        }

        public readonly void End()
        {
            if (_position != _data.Length)
            {
                throw Error("trailing bytes after the object.");
            }
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || _data.Length - _position < count)
            {
                throw Error("the data is truncated.");
            }

            var slice = _data.Slice(_position, count);
            _position += count;
            return slice;
        }
    }
}
