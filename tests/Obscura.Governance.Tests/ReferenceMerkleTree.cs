using Obscura.Governance.Ledger;

namespace Obscura.Governance.Tests;

/// <summary>The RFC 9162 definitions written as literally as possible, to check the production code against.</summary>
internal static class ReferenceMerkleTree
{
    public static byte[] Mth(IReadOnlyList<byte[]> leafData, int start, int n)
    {
        if (n == 0)
        {
            return MerkleHash.Empty();
        }

        if (n == 1)
        {
            return MerkleHash.Leaf(leafData[start]);
        }

        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return MerkleHash.Node(Mth(leafData, start, k), Mth(leafData, start + k, n - k));
    }

    public static Func<NodeCoordinate, byte[]> Nodes(IReadOnlyList<byte[]> leafData) =>
        c => Mth(leafData, checked((int)(c.Index << c.Level)), 1 << c.Level);

    /// <summary>Distinct leaves of varied length: each starts with its index, so no two leaf hashes coincide (a proof for one equal leaf would honestly verify for the other).</summary>
    public static List<byte[]> RandomLeaves(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(i =>
        {
            var b = new byte[4 + random.Next(0, 40)];
            random.NextBytes(b);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(b, i);
            return b;
        }).ToList();
    }
}
