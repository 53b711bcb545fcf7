using System.Buffers.Binary;
using System.Text;

namespace Obscura.Governance.Ledger;

/// <summary>An <see cref="AuditEvent"/> as committed: its position in the ledger and the time it was recorded.</summary>
/// <param name="Sequence">Zero-based position; the Merkle leaf index.</param>
/// <param name="RecordedAt">When it was appended, at millisecond precision.</param>
/// <param name="Event">What happened.</param>
public sealed record AuditEntry(long Sequence, DateTimeOffset RecordedAt, AuditEvent Event)
{
    private const byte EncodingVersion = 1;
    private const byte CommittingEncodingVersion = 2;
    private const ushort Absent = ushort.MaxValue;

    /// <summary>
    /// The deterministic byte encoding that the Merkle leaf hash covers: a version byte, the sequence and time as
    /// big-endian 64-bit integers, the action byte, then each text field as a big-endian 16-bit length and UTF-8 bytes
    /// (0xFFFF for an absent field). Version 1 is an entry that commits to no stored row; version 2 is an entry with a
    /// <see cref="AuditEvent.Commitment"/>, which appends the table and key as two more text fields and the 32-byte
    /// content hash. Every stored column is covered, so changing any of them changes the leaf hash; the version byte
    /// keeps the two layouts apart.
    /// </summary>
    public byte[] ToCanonicalBytes()
    {
        var e = Event;
        var c = e.Commitment;
        string?[] fields = c is null
            ? [e.Actor, e.DataCategory.Value, e.Subject?.Value, e.Purpose?.Value, e.From, e.To, e.Reference]
            : [e.Actor, e.DataCategory.Value, e.Subject?.Value, e.Purpose?.Value, e.From, e.To, e.Reference, c.Table, c.Key];
        var size = 1 + 8 + 8 + 1 + fields.Sum(f => 2 + (f is null ? 0 : Encoding.UTF8.GetByteCount(f))) + (c is null ? 0 : MerkleHash.Size);
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        span[0] = c is null ? EncodingVersion : CommittingEncodingVersion;
        BinaryPrimitives.WriteInt64BigEndian(span[1..], Sequence);
        BinaryPrimitives.WriteInt64BigEndian(span[9..], RecordedAt.ToUnixTimeMilliseconds());
        span[17] = (byte)e.Action;
        var o = 18;
        foreach (var f in fields)
        {
            if (f is null)
            {
                BinaryPrimitives.WriteUInt16BigEndian(span[o..], Absent);
                o += 2;
                continue;
            }

            var n = Encoding.UTF8.GetBytes(f, span[(o + 2)..]);
            BinaryPrimitives.WriteUInt16BigEndian(span[o..], checked((ushort)n));
            o += 2 + n;
        }

        c?.ContentHash.CopyTo(span[o..]);
        return bytes;
    }

    /// <summary>The RFC 9162 leaf hash of this entry.</summary>
    public byte[] LeafHash() => MerkleHash.Leaf(ToCanonicalBytes());
}
