using CsCheck;
using Obscura.Governance.Ledger;
using Obscura.Governance.Tests.Vectors;

namespace Obscura.Governance.Tests;

/// <summary>
/// Exact algebraic properties of RFC 9162 trees. CsCheck draws fresh cases on every run and prints the seed of any
/// failure (rerun with <c>CsCheck_Seed=…</c>); since every property holds exactly, a failure is always a defect.
/// </summary>
public sealed class MerkleProofsTests
{
    private static readonly Gen<int> Sizes = Gen.Int[1, 130];

    [Fact]
    public void Roots_match_the_certificate_transparency_known_answers()
    {
        var leaves = CertificateTransparencyVectors.LeafInputsHex.Select(Convert.FromHexString).ToList();
        for (var n = 0; n <= leaves.Count; n++)
        {
            var root = MerkleProofs.Root(n, ReferenceMerkleTree.Nodes(leaves));
            Assert.Equal(CertificateTransparencyVectors.RootsHex[n], Convert.ToHexStringLower(root));
        }
    }

    [Fact]
    public void Root_from_stored_subtrees_equals_the_rfc_definition_for_every_size()
    {
        Sizes.Sample(n =>
        {
            var leaves = ReferenceMerkleTree.RandomLeaves(n, n);
            Assert.Equal(ReferenceMerkleTree.Mth(leaves, 0, n), MerkleProofs.Root(n, ReferenceMerkleTree.Nodes(leaves)));
        }, iter: 60);
    }

    [Fact]
    public void Frontier_appends_produce_the_same_roots_and_subtrees_as_the_definition()
    {
        var leaves = ReferenceMerkleTree.RandomLeaves(300, 7);
        var stored = new Dictionary<NodeCoordinate, byte[]>();
        var frontier = new MerkleFrontier(0, _ => throw new InvalidOperationException());
        for (var n = 1; n <= leaves.Count; n++)
        {
            frontier.Append(MerkleHash.Leaf(leaves[n - 1]), (c, h) => stored.Add(c, h));
            Assert.Equal(ReferenceMerkleTree.Mth(leaves, 0, n), frontier.Root());

            // Resuming from stored subtrees gives the same state as continuing in memory.
            var resumed = new MerkleFrontier(n, c => stored[c]);
            Assert.Equal(frontier.Root(), resumed.Root());
        }

        Assert.All(stored, kv => Assert.Equal(ReferenceMerkleTree.Nodes(leaves)(kv.Key), kv.Value));
    }

    [Fact]
    public void Every_inclusion_proof_verifies_against_its_root()
    {
        Sizes.SelectMany(n => Gen.Int[0, n - 1].Select(i => (n, i))).Sample(t =>
        {
            var (n, i) = t;
            var leaves = ReferenceMerkleTree.RandomLeaves(n, n * 31);
            var root = ReferenceMerkleTree.Mth(leaves, 0, n);
            var path = MerkleProofs.InclusionPath(i, n, ReferenceMerkleTree.Nodes(leaves));
            Assert.True(MerkleProofs.VerifyInclusion(MerkleHash.Leaf(leaves[i]), i, n, path, root));
            Assert.True(path.Count <= 64 - long.LeadingZeroCount(n - 1 + 1) + 1);
        }, iter: 200);
    }

    [Fact]
    public void Inclusion_proofs_fail_for_another_leaf_index_root_or_altered_path()
    {
        Gen.Int[2, 130].SelectMany(n => Gen.Int[0, n - 1].Select(i => (n, i))).Sample(t =>
        {
            var (n, i) = t;
            var leaves = ReferenceMerkleTree.RandomLeaves(n, n * 17);
            var root = ReferenceMerkleTree.Mth(leaves, 0, n);
            var leaf = MerkleHash.Leaf(leaves[i]);
            var path = MerkleProofs.InclusionPath(i, n, ReferenceMerkleTree.Nodes(leaves));
            var otherLeaf = MerkleHash.Leaf([.. leaves[i], 0xFF]);
            Assert.False(MerkleProofs.VerifyInclusion(otherLeaf, i, n, path, root));
            Assert.False(MerkleProofs.VerifyInclusion(leaf, (i + 1) % n, n, path, root));
            Assert.False(MerkleProofs.VerifyInclusion(leaf, i, n, path, ReferenceMerkleTree.Mth(leaves, 0, n - 1)));
            var altered = path.Select(p => (byte[])p.Clone()).ToList();
            altered[0][0] ^= 1;
            Assert.False(MerkleProofs.VerifyInclusion(leaf, i, n, altered, root));
            Assert.False(MerkleProofs.VerifyInclusion(leaf, i, n, [.. path, root], root));
            Assert.False(MerkleProofs.VerifyInclusion(leaf, i, n, path.Take(path.Count - 1).ToList(), root));
        }, iter: 200);
    }

    [Fact]
    public void Every_consistency_proof_verifies_between_its_two_roots()
    {
        Sizes.SelectMany(n => Gen.Int[0, n].Select(m => (m, n))).Sample(t =>
        {
            var (m, n) = t;
            var leaves = ReferenceMerkleTree.RandomLeaves(n, n * 13);
            var proof = MerkleProofs.ConsistencyPath(m, n, ReferenceMerkleTree.Nodes(leaves));
            Assert.True(MerkleProofs.VerifyConsistency(m, n, ReferenceMerkleTree.Mth(leaves, 0, m), ReferenceMerkleTree.Mth(leaves, 0, n), proof));
        }, iter: 300);
    }

    [Fact]
    public void Consistency_proofs_fail_when_history_was_rewritten()
    {
        Gen.Int[2, 130].SelectMany(n => Gen.Int[1, n - 1].Select(m => (m, n))).Sample(t =>
        {
            var (m, n) = t;
            var leaves = ReferenceMerkleTree.RandomLeaves(n, n * 5);
            var firstRoot = ReferenceMerkleTree.Mth(leaves, 0, m);
            var secondRoot = ReferenceMerkleTree.Mth(leaves, 0, n);
            var proof = MerkleProofs.ConsistencyPath(m, n, ReferenceMerkleTree.Nodes(leaves));

            // A ledger whose old entry was changed cannot prove it extends the old head.
            var rewritten = leaves.ToList();
            rewritten[m - 1] = [.. rewritten[m - 1], 0x01];
            var rewrittenRoot = ReferenceMerkleTree.Mth(rewritten, 0, n);
            var rewrittenProof = MerkleProofs.ConsistencyPath(m, n, ReferenceMerkleTree.Nodes(rewritten));
            Assert.False(MerkleProofs.VerifyConsistency(m, n, firstRoot, rewrittenRoot, rewrittenProof));
            Assert.False(MerkleProofs.VerifyConsistency(m, n, firstRoot, rewrittenRoot, proof));

            var altered = proof.Select(p => (byte[])p.Clone()).ToList();
            altered[^1][5] ^= 0x80;
            Assert.False(MerkleProofs.VerifyConsistency(m, n, firstRoot, secondRoot, altered));

            // A proof made for n entries does not vouch for a tree that has grown since.
            var grown = leaves.Append([0xAB, (byte)n]).ToList();
            Assert.False(MerkleProofs.VerifyConsistency(m, n + 1, firstRoot, ReferenceMerkleTree.Mth(grown, 0, n + 1), proof));
        }, iter: 200);
    }

    [Fact]
    public void Verifiers_reject_malformed_input_without_throwing()
    {
        var h = new byte[32];
        Assert.False(MerkleProofs.VerifyInclusion(h, 5, 5, [], h));
        Assert.False(MerkleProofs.VerifyInclusion(h, -1, 5, [], h));
        Assert.False(MerkleProofs.VerifyInclusion(new byte[31], 0, 1, [], h));
        Assert.False(MerkleProofs.VerifyInclusion(h, 0, 2, [new byte[3]], h));
        Assert.False(MerkleProofs.VerifyConsistency(3, 2, h, h, []));
        Assert.False(MerkleProofs.VerifyConsistency(1, 2, h, h, []));
        Assert.False(MerkleProofs.VerifyConsistency(1, 2, h, h, [null!]));
        Assert.False(MerkleProofs.VerifyConsistency(2, 2, h, new byte[32].Select(_ => (byte)1).ToArray(), []));
    }

    [Fact]
    public void Proof_builders_reject_out_of_range_sizes()
    {
        Func<NodeCoordinate, byte[]> none = _ => new byte[32];
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleProofs.InclusionPath(3, 3, none));
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleProofs.ConsistencyPath(4, 3, none));
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleProofs.Root(-1, none));
    }
}
