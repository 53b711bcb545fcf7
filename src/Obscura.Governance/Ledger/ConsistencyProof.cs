namespace Obscura.Governance.Ledger;

/// <summary>Proof that the ledger of <paramref name="FirstSize"/> entries is a prefix of the ledger of <paramref name="SecondSize"/> entries.</summary>
/// <param name="FirstSize">The older tree size.</param>
/// <param name="SecondSize">The newer tree size.</param>
/// <param name="Path">The RFC 9162 consistency proof.</param>
public sealed record ConsistencyProof(long FirstSize, long SecondSize, IReadOnlyList<byte[]> Path)
{
    /// <summary>Size of the proof on the wire, in bytes.</summary>
    public int SizeInBytes => Path.Count * MerkleHash.Size;

    /// <summary>Whether the proof links the two roots.</summary>
    public bool Verify(ReadOnlySpan<byte> firstRoot, ReadOnlySpan<byte> secondRoot) => MerkleProofs.VerifyConsistency(FirstSize, SecondSize, firstRoot, secondRoot, Path);
}
