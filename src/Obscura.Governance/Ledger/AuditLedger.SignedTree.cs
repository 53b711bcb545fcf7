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
    private readonly Lock _witnessGate = new();
    private volatile SignedTreeHead? _witnessed;
    private volatile WitnessedExtension? _extension;
    private volatile string? _altered;

    /// <summary>Why a full verification found the ledger altered, or null: while set, no per-read check passes.</summary>
    public string? AlteredReason => _altered;

    /// <summary>
    /// Records that a full verification found the ledger altered: from then on every per-read check
    /// (<see cref="RecordCheck"/>) fails, in this process, so decisions, key checks, charges and documents are refused
    /// until the ledger is repaired and the process restarted. This closes what the per-read proofs cannot see (an entry
    /// deleted with its row, or a row rolled back to an older committed state) within one verification interval.
    /// </summary>
    /// <param name="reason">What verification found, for operators; no personal data.</param>
    public void MarkAltered(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        _altered = reason;
    }

    /// <summary>The head, kept outside the database, that the ledger must extend; null until one is set.</summary>
    public SignedTreeHead? WitnessedHead => _witnessed;

    /// <summary>
    /// Sets a head kept outside the database (a witness's copy, <c>obscura ledger head</c>) that the ledger must
    /// extend from now on: every per-read check (<see cref="RecordCheck"/>) and every append then also requires a
    /// consistency proof (RFC 9162) from it to the latest head, so a database rolled back to an older copy, or
    /// rewritten and re-signed, takes no decision and no append until someone looks. Of several heads the largest is kept.
    /// </summary>
    /// <param name="head">The witnessed head.</param>
    /// <returns><see langword="false"/> when the head is not signed with this ledger's key (it is ignored).</returns>
    public bool TrySetWitnessedHead(SignedTreeHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        if (!_signingKey.VerificationKey.Verify(head))
        {
            return false;
        }

        lock (_witnessGate)
        {
            if (_witnessed is null || head.TreeSize > _witnessed.TreeSize)
            {
                _witnessed = head;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether <paramref name="head"/> (the database's latest, already checked to be signed with this ledger's key)
    /// extends the witnessed head: at least as large, with a consistency proof from the stored subtree hashes.
    /// </summary>
    private async Task<bool> ExtendsWitnessedAsync(ILedgerSession session, SignedTreeHead? head, CancellationToken cancellationToken)
    {
        var witnessed = _witnessed;
        if (witnessed is null)
        {
            return true;
        }

        if (head is null || head.TreeSize < witnessed.TreeSize)
        {
            return false;
        }

        if (_extension is { } known && ReferenceEquals(known.Witnessed, witnessed) && SameHead(known.Head, head))
        {
            return true;
        }

        var required = MerkleProofs.RequiredNodes(node => MerkleProofs.ConsistencyPath(witnessed.TreeSize, head.TreeSize, node));
        var nodes = await session.GetLedgerNodesAsync(required, cancellationToken).ConfigureAwait(false);
        if (nodes.Count != required.Count
            || !MerkleProofs.VerifyConsistency(witnessed.TreeSize, head.TreeSize, witnessed.RootHash, head.RootHash, MerkleProofs.ConsistencyPath(witnessed.TreeSize, head.TreeSize, c => nodes[c])))
        {
            return false;
        }

        _extension = new WitnessedExtension(witnessed, head);
        return true;
    }

    private sealed record WitnessedExtension(SignedTreeHead Witnessed, SignedTreeHead Head);

    /// <summary>
    /// Whether every one of <paramref name="entries"/>, as stored, is in the tree that the latest signed head covers:
    /// the head is signed by this ledger's key, and each entry's recomputed leaf hash has an inclusion proof (RFC 9162)
    /// to that head's root from the stored subtree hashes. An entry rewritten outside Obscura (say, a commitment's
    /// content hash changed to match a rewritten row) fails unless the attacker can also sign a head over it. Entries
    /// deleted outside Obscura are not found this way (nothing is read to prove); only full verification finds them.
    /// With a <see cref="WitnessedHead"/>, the latest head must also extend it.
    /// </summary>
    /// <param name="session">The caller's transaction.</param>
    /// <param name="entries">The entries a decision rests on.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    internal async Task<bool> AreInSignedTreeAsync(ILedgerSession session, IReadOnlyCollection<AuditEntry> entries, CancellationToken cancellationToken)
    {
        if (_altered is not null)
        {
            return false;
        }

        var pending = new List<(AuditEntry Entry, byte[] Leaf)>();
        foreach (var entry in entries)
        {
            var leaf = entry.LeafHash();
            if (!(_proven.TryGetValue(entry.Sequence, out var known) && known.AsSpan().SequenceEqual(leaf)))
            {
                pending.Add((entry, leaf));
            }
        }

        // The database's head is read and checked every time, proven entries or not: a head whose signature was
        // broken, or a copy rolled back below the witnessed head, holds only entries proven long ago.
        var head = await session.GetLatestTreeHeadAsync(cancellationToken).ConfigureAwait(false);
        if (head is null || !IsOwnHead(head) || !await ExtendsWitnessedAsync(session, head, cancellationToken).ConfigureAwait(false)
            || pending.Any(p => p.Entry.Sequence < 0 || p.Entry.Sequence >= head.TreeSize))
        {
            return false;
        }

        if (pending.Count == 0)
        {
            return true;
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
