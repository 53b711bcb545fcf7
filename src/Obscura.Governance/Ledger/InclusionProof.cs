namespace Obscura.Governance.Ledger;

/// <summary>Proof that entry <paramref name="LeafIndex"/> is in the ledger of <paramref name="TreeSize"/> entries (RFC 9162 audit path).</summary>
/// <param name="LeafIndex">The entry's sequence number.</param>
/// <param name="TreeSize">The tree size the proof is for.</param>
/// <param name="LeafHash">The entry's leaf hash.</param>
/// <param name="Path">Sibling hashes from the leaf up.</param>
public sealed record InclusionProof(long LeafIndex, long TreeSize, byte[] LeafHash, IReadOnlyList<byte[]> Path)
{
    /// <summary>Size of the proof on the wire, in bytes (hashes only).</summary>
    public int SizeInBytes => (Path.Count + 1) * MerkleHash.Size;

    /// <summary>Whether the proof links the leaf to <paramref name="rootHash"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> rootHash) => MerkleProofs.VerifyInclusion(LeafHash, LeafIndex, TreeSize, Path, rootHash);
}
