using System.Numerics;
using System.Security.Cryptography;
using Obscura.Governance.Internal;

namespace Obscura.Governance.Ledger;

/// <summary>
/// Merkle tree heads, inclusion proofs and consistency proofs as defined in RFC 9162 §2.1 (the Certificate
/// Transparency algorithms of RFC 6962). Proofs are built from the hashes of perfect subtrees, supplied by a callback
/// so that the caller decides where they live; <see cref="RequiredNodes"/> tells the caller which hashes to fetch.
/// </summary>
public static class MerkleProofs
{
    /// <summary>The root hash (MTH) of the first <paramref name="size"/> leaves.</summary>
    /// <param name="size">Number of leaves, at least 0.</param>
    /// <param name="node">Returns the hash of a perfect subtree.</param>
    public static byte[] Root(long size, Func<NodeCoordinate, byte[]> node)
    {
        CheckSize(size, nameof(size));
        return size == 0 ? MerkleHash.Empty() : Subtree(0, size, node);
    }

    /// <summary>The audit path PATH(index, D[size]) proving that leaf <paramref name="index"/> is in the tree of <paramref name="size"/> leaves, leaf side first.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <paramref name="size"/>.</exception>
    public static IReadOnlyList<byte[]> InclusionPath(long index, long size, Func<NodeCoordinate, byte[]> node)
    {
        CheckSize(size, nameof(size));
        if (index < 0 || index >= size)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(index), "The leaf index must be below the tree size.");
        }

        var path = new List<byte[]>();
        Path(index, 0, size, node, path);
        return path;
    }

    /// <summary>The consistency proof PROOF(first, D[second]) that the tree of <paramref name="first"/> leaves is a prefix of the tree of <paramref name="second"/> leaves.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unless 0 ≤ first ≤ second.</exception>
    public static IReadOnlyList<byte[]> ConsistencyPath(long first, long second, Func<NodeCoordinate, byte[]> node)
    {
        CheckSize(second, nameof(second));
        if (first < 0 || first > second)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(first), "The first tree size must be between 0 and the second.");
        }

        var proof = new List<byte[]>();
        if (first > 0 && first < second)
        {
            SubProof(first, 0, second, true, node, proof);
        }

        return proof;
    }

    /// <summary>The perfect-subtree hashes that <paramref name="compute"/> will ask for; fetch them in one go, then run it again.</summary>
    public static IReadOnlyCollection<NodeCoordinate> RequiredNodes(Action<Func<NodeCoordinate, byte[]>> compute)
    {
        var needed = new HashSet<NodeCoordinate>();
        var placeholder = new byte[MerkleHash.Size];
        compute(c =>
        {
            needed.Add(c);
            return placeholder;
        });
        return needed;
    }

    /// <summary>Verifies an inclusion proof (RFC 9162 §2.1.3.2). Returns <see langword="false"/> for any malformed or wrong proof.</summary>
    public static bool VerifyInclusion(ReadOnlySpan<byte> leafHash, long index, long size, IReadOnlyList<byte[]> path, ReadOnlySpan<byte> root)
    {
        if (index < 0 || index >= size || leafHash.Length != MerkleHash.Size || root.Length != MerkleHash.Size || path is null)
        {
            return false;
        }

        var fn = index;
        var sn = size - 1;
        var r = leafHash.ToArray();
        foreach (var p in path)
        {
            if (p is null || p.Length != MerkleHash.Size || sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = MerkleHash.Node(p, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                r = MerkleHash.Node(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, root);
    }

    /// <summary>Verifies a consistency proof (RFC 9162 §2.1.4.2). Returns <see langword="false"/> for any malformed or wrong proof.</summary>
    public static bool VerifyConsistency(long first, long second, ReadOnlySpan<byte> firstRoot, ReadOnlySpan<byte> secondRoot, IReadOnlyList<byte[]> path)
    {
        if (first < 0 || second < first || path is null || firstRoot.Length != MerkleHash.Size || secondRoot.Length != MerkleHash.Size)
        {
            return false;
        }

        if (first == second)
        {
            return path.Count == 0 && CryptographicOperations.FixedTimeEquals(firstRoot, secondRoot);
        }

        if (first == 0)
        {
            // Every tree extends the empty tree; there is nothing to prove.
            return path.Count == 0 && CryptographicOperations.FixedTimeEquals(firstRoot, MerkleHash.Empty());
        }

        if (path.Count == 0 || path.Any(p => p is null || p.Length != MerkleHash.Size))
        {
            return false;
        }

        var nodes = BitOperations.IsPow2(first) ? [firstRoot.ToArray(), .. path] : path.ToList();
        var fn = first - 1;
        var sn = second - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        var fr = nodes[0];
        var sr = nodes[0];
        for (var i = 1; i < nodes.Count; i++)
        {
            var c = nodes[i];
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                fr = MerkleHash.Node(c, fr);
                sr = MerkleHash.Node(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = MerkleHash.Node(sr, c);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && CryptographicOperations.FixedTimeEquals(fr, firstRoot) && CryptographicOperations.FixedTimeEquals(sr, secondRoot);
    }

    /// <summary>The largest power of two strictly below <paramref name="n"/> (n ≥ 2): the RFC's split point k.</summary>
    internal static long SplitPoint(long n) => (long)BitOperations.RoundUpToPowerOf2((ulong)n) >> 1;

    /// <summary>MTH(D[start:start+count]); <paramref name="start"/> is always aligned so that perfect subtrees map to coordinates.</summary>
    private static byte[] Subtree(long start, long count, Func<NodeCoordinate, byte[]> node)
    {
        if (BitOperations.IsPow2(count) && start % count == 0)
        {
            var level = BitOperations.Log2((ulong)count);
            return node(new NodeCoordinate(level, start >> level));
        }

        var k = SplitPoint(count);
        return MerkleHash.Node(Subtree(start, k, node), Subtree(start + k, count - k, node));
    }

    private static void Path(long m, long start, long n, Func<NodeCoordinate, byte[]> node, List<byte[]> path)
    {
        if (n == 1)
        {
            return;
        }

        var k = SplitPoint(n);
        if (m < k)
        {
            Path(m, start, k, node, path);
            path.Add(Subtree(start + k, n - k, node));
        }
        else
        {
            Path(m - k, start + k, n - k, node, path);
            path.Add(Subtree(start, k, node));
        }
    }

    private static void SubProof(long m, long start, long n, bool complete, Func<NodeCoordinate, byte[]> node, List<byte[]> proof)
    {
        if (m == n)
        {
            if (!complete)
            {
                proof.Add(Subtree(start, n, node));
            }

            return;
        }

        var k = SplitPoint(n);
        if (m <= k)
        {
            SubProof(m, start, k, complete, node, proof);
            proof.Add(Subtree(start + k, n - k, node));
        }
        else
        {
            SubProof(m - k, start + k, n - k, false, node, proof);
            proof.Add(Subtree(start, k, node));
        }
    }

    private static void CheckSize(long size, string name)
    {
        if (size < 0)
        {
            ThrowHelper.ArgumentOutOfRange(name, "A tree size cannot be negative.");
        }
    }
}
