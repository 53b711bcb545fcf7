namespace Obscura.Governance.Ledger;

/// <summary>
/// The right edge of a growing Merkle tree: the perfect subtrees whose sizes are the set bits of the leaf count.
/// Appending a leaf yields the new perfect-subtree nodes (leaf included) that must be stored. Mutable by design;
/// used inside one append or one verification pass.
/// </summary>
internal sealed class MerkleFrontier
{
    private readonly List<(int Level, byte[] Hash)> _stack = [];

    /// <summary>Starts from an existing tree of <paramref name="size"/> leaves given its right-edge subtree hashes.</summary>
    public MerkleFrontier(long size, Func<NodeCoordinate, byte[]> node)
    {
        Size = size;
        long offset = 0;
        for (var level = 62; level >= 0; level--)
        {
            var width = 1L << level;
            if ((size & width) != 0)
            {
                _stack.Add((level, node(new NodeCoordinate(level, offset >> level))));
                offset += width;
            }
        }
    }

    /// <summary>Number of leaves.</summary>
    public long Size { get; private set; }

    /// <summary>Coordinates of the right-edge subtrees of a tree of <paramref name="size"/> leaves.</summary>
    public static IReadOnlyCollection<NodeCoordinate> EdgeOf(long size) => MerkleProofs.RequiredNodes(node => _ = new MerkleFrontier(size, node));

    /// <summary>Appends a leaf hash and reports each perfect subtree completed by it, leaf first.</summary>
    public void Append(byte[] leafHash, Action<NodeCoordinate, byte[]> completed)
    {
        var index = Size;
        _stack.Add((0, leafHash));
        completed(new NodeCoordinate(0, index), leafHash);
        while (_stack.Count >= 2 && _stack[^1].Level == _stack[^2].Level)
        {
            var right = _stack[^1];
            var left = _stack[^2];
            _stack.RemoveRange(_stack.Count - 2, 2);
            var level = left.Level + 1;
            var hash = MerkleHash.Node(left.Hash, right.Hash);
            _stack.Add((level, hash));
            completed(new NodeCoordinate(level, index >> level), hash);
        }

        Size++;
    }

    /// <summary>The current root hash.</summary>
    public byte[] Root()
    {
        if (_stack.Count == 0)
        {
            return MerkleHash.Empty();
        }

        var root = _stack[^1].Hash;
        for (var i = _stack.Count - 2; i >= 0; i--)
        {
            root = MerkleHash.Node(_stack[i].Hash, root);
        }

        return root;
    }
}
