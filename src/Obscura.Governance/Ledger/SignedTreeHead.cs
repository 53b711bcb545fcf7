using System.Buffers.Binary;
using System.Text;

namespace Obscura.Governance.Ledger;

/// <summary>
/// A commitment, signed by the ledger's key, to the ledger's first <paramref name="TreeSize"/> entries: whoever holds
/// one can later demand an inclusion proof for any entry and a consistency proof that the ledger only grew.
/// </summary>
/// <param name="TreeSize">Number of entries covered.</param>
/// <param name="RootHash">Merkle root of those entries (32 bytes).</param>
/// <param name="Timestamp">When the head was signed, at millisecond precision.</param>
/// <param name="KeyId">Id of the signing key (see <see cref="LedgerVerificationKey.KeyId"/>).</param>
/// <param name="Signature">ECDSA P-256 / SHA-256 signature over <see cref="ToBeSigned"/>, IEEE P1363 format (64 bytes).</param>
public sealed record SignedTreeHead(long TreeSize, byte[] RootHash, DateTimeOffset Timestamp, string KeyId, byte[] Signature)
{
    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("obscura-ledger-tree-head-v1\0");

    /// <summary>The bytes the signature covers: a domain-separation label, size, time (Unix ms) and root.</summary>
    public byte[] ToBeSigned() => Encode(TreeSize, Timestamp, RootHash);

    internal static byte[] Encode(long treeSize, DateTimeOffset timestamp, byte[] root)
    {
        var bytes = new byte[Domain.Length + 8 + 8 + MerkleHash.Size];
        Domain.CopyTo(bytes, 0);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(Domain.Length), treeSize);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(Domain.Length + 8), timestamp.ToUnixTimeMilliseconds());
        root.CopyTo(bytes, Domain.Length + 16);
        return bytes;
    }
}
