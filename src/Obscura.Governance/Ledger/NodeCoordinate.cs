namespace Obscura.Governance.Ledger;

/// <summary>
/// Position of a perfect subtree in the ledger's Merkle tree: the subtree at <paramref name="Level"/> (0 = leaves) and
/// <paramref name="Index"/> covers leaves <c>[Index·2^Level, (Index+1)·2^Level)</c>. Such subtrees never change once
/// complete, so their hashes are stored and reused for proofs.
/// </summary>
/// <param name="Level">Height above the leaves.</param>
/// <param name="Index">Position among subtrees of that height.</param>
public readonly record struct NodeCoordinate(int Level, long Index);
