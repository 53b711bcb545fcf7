using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Obscura.Governance.Ledger;

/// <summary>
/// The content hash of one stored row: SHA-256 over a canonical, versioned encoding of the table name and every
/// column, by name, type and value. Stores compute it from the values exactly as stored, when the row is written and
/// again when it is verified, so the encoding does not depend on how a value is later parsed.
/// </summary>
/// <remarks>
/// Encoding: the ASCII label <c>obscura-row-v1</c> and a zero byte; the table name; the column count (16-bit); then
/// per column its name and a type tag followed by the value: 0 null, 1 integer (64-bit), 2 real (IEEE 754 binary64),
/// 3 text (UTF-8), 4 blob. Names, text and blobs are prefixed by their byte length (32-bit); all integers are
/// big-endian.
/// </remarks>
public static class RowDigest
{
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("obscura-row-v1\0");

    /// <summary>The content hash of a row of <paramref name="table"/> with <paramref name="columns"/>, in the table's column order.</summary>
    /// <param name="table">The table name.</param>
    /// <param name="columns">Each column's name and value: <see langword="null"/> or <see cref="DBNull"/>, <see cref="long"/> (or another integer type), <see cref="double"/>, <see cref="string"/> or a byte array.</param>
    /// <exception cref="ArgumentException">A value has another type.</exception>
    public static byte[] Compute(string table, IReadOnlyList<KeyValuePair<string, object?>> columns)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(columns);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> number = stackalloc byte[8];
        hash.AppendData(Label);
        AppendBytes(hash, Encoding.UTF8.GetBytes(table));
        BinaryPrimitives.WriteUInt16BigEndian(number, checked((ushort)columns.Count));
        hash.AppendData(number[..2]);
        foreach (var (name, value) in columns)
        {
            AppendBytes(hash, Encoding.UTF8.GetBytes(name));
            switch (value)
            {
                case null or DBNull:
                    hash.AppendData([0]);
                    break;
                case long or int or short or byte:
                    hash.AppendData([1]);
                    BinaryPrimitives.WriteInt64BigEndian(number, Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                    hash.AppendData(number);
                    break;
                case double d:
                    hash.AppendData([2]);
                    BinaryPrimitives.WriteDoubleBigEndian(number, d);
                    hash.AppendData(number);
                    break;
                case string s:
                    hash.AppendData([3]);
                    AppendBytes(hash, Encoding.UTF8.GetBytes(s));
                    break;
                case byte[] blob:
                    hash.AppendData([4]);
                    AppendBytes(hash, blob);
                    break;
                default:
                    throw new ArgumentException($"Column '{name}' has a type a row cannot hold.", nameof(columns));
            }
        }

        return hash.GetHashAndReset();
    }

    private static void AppendBytes(IncrementalHash hash, byte[] bytes)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
}
