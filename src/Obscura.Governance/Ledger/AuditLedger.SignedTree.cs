using System.Collections.Concurrent;
using Obscura.Governance.Storage;

namespace Obscura.Governance.Ledger;

public sealed partial class AuditLedger
{
    /// <summary>How many proven entries this instance remembers before it forgets them all and proves again.</summary>
    private const int MaxProvenEntries = 1 << 16;

    /// <summary>
    /// Entries already proven to be in a tree that a genuine head signed, by sequence, with the leaf hash proven. A
    /// signed tree is append-only, so a leaf once proven at a position stays proven there; an entry rewritten later has
    /// another leaf hash and is proven again (and fails). Per process: each process sharing a data folder proves for itself.
    /// </summary>
    private readonly ConcurrentDictionary<long, byte[]> _proven = new();

    /// <summary>
    /// Whether every one of <paramref name="entries"/>, as stored, is in the tree that the latest signed head covers:
    /// the head is signed by this ledger's key, and each entry's recomputed leaf hash has an inclusion proof (RFC 9162)
    /// to that head's root from the stored subtree hashes. An entry rewritten outside Obscura (say, a commitment's
    /// content hash changed to match a rewritten row) fails unless the attacker can also sign a head over it. Entries
    /// deleted outside Obscura are not found this way (nothing is read to prove); only full verification finds them.
    /// </summary>
    /// <param name="session">The caller's transaction.</param>
    /// <param name="entries">The entries a decision rests on.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    internal async Task<bool> AreInSignedTreeAsync(ILedgerSession session, IReadOnlyCollection<AuditEntry> entries, CancellationToken cancellationToken)
    {
        var pending = new List<(AuditEntry Entry, byte[] Leaf)>();
        foreach (var entry in entries)
        {
            var leaf = entry.LeafHash();
            if (!(_proven.TryGetValue(entry.Sequence, out var known) && known.AsSpan().SequenceEqual(leaf)))
            {
                pending.Add((entry, leaf));
            }
        }

        if (pending.Count == 0)
        {
            return true;
        }

        var head = await session.GetLatestTreeHeadAsync(cancellationToken).ConfigureAwait(false);
        if (head is null || !IsOwnHead(head) || pending.Any(p => p.Entry.Sequence < 0 || p.Entry.Sequence >= head.TreeSize))
        {
            return false;
        }

        var required = new HashSet<NodeCoordinate>();
        foreach (var (entry, _) in pending)
        {
            required.UnionWith(MerkleProofs.RequiredNodes(node => MerkleProofs.InclusionPath(entry.Sequence, head.TreeSize, node)));
        }

        var nodes = await session.GetLedgerNodesAsync(required, cancellationToken).ConfigureAwait(false);
        if (nodes.Count != required.Count)
        {
            return false;
        }

        foreach (var (entry, leaf) in pending)
        {
            var path = MerkleProofs.InclusionPath(entry.Sequence, head.TreeSize, c => nodes[c]);
            if (!MerkleProofs.VerifyInclusion(leaf, entry.Sequence, head.TreeSize, path, head.RootHash))
            {
                return false;
            }
        }

        if (_proven.Count + pending.Count > MaxProvenEntries)
        {
            _proven.Clear();
        }

        foreach (var (entry, leaf) in pending)
        {
            _proven[entry.Sequence] = leaf;
        }

        return true;
    }
}
