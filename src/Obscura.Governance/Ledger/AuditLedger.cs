using System.Globalization;
using System.Security.Cryptography;
using Obscura.Governance.Storage;
using Obscura.Governance.Telemetry;

namespace Obscura.Governance.Ledger;

/// <summary>
/// The append-only, tamper-evident audit ledger: a Merkle tree over <see cref="AuditEntry"/> leaves (RFC 9162) with a
/// signed tree head written in the same transaction as every append. Reads (heads, proofs, verification) need no key.
/// Reads of personal data go to an access log instead, which the ledger commits in batches (<see cref="AccessLogPolicy"/>).
/// </summary>
public sealed partial class AuditLedger
{
    private const int PageSize = 10_000;
    private const int MaxProblems = 1_000;
    private const string AccessLogActor = "obscura:access-log";
    private static readonly Purposes.DataCategory AccessLogCategory = Purposes.DataCategory.Parse("access-log");
    private readonly LedgerSigningKey _signingKey;
    private readonly TimeProvider _time;
    private volatile SignedTreeHead? _lastSigned;
    private volatile SignedTreeHead? _lastVerified;

    /// <summary>Creates a ledger that signs heads with <paramref name="signingKey"/> and stamps entries with <paramref name="timeProvider"/>.</summary>
    /// <param name="signingKey">The key that signs tree heads.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="accessLogPolicy">When access-log rows are committed; <see cref="AccessLogPolicy.Default"/> when null.</param>
    public AuditLedger(LedgerSigningKey signingKey, TimeProvider timeProvider, AccessLogPolicy? accessLogPolicy = null)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _signingKey = signingKey;
        _time = timeProvider;
        AccessLogPolicy = accessLogPolicy ?? AccessLogPolicy.Default;
    }

    /// <summary>The public key that verifies this ledger's heads.</summary>
    public LedgerVerificationKey VerificationKey => _signingKey.VerificationKey;

    /// <summary>When access-log rows are committed.</summary>
    public AccessLogPolicy AccessLogPolicy { get; }

    /// <summary>
    /// Appends <paramref name="events"/> inside the caller's write transaction and signs the new head. If this throws,
    /// the caller's transaction must not commit: an operation whose ledger entry cannot be written does not happen.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="events"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">
    /// The store lacks a subtree hash it must have, or the ledger was altered outside Obscura: its latest head is not
    /// signed by this ledger's key or does not match the stored subtree hashes, or entries lie beyond it. Nothing is
    /// appended; run verification.
    /// </exception>
    public async Task<SignedTreeHead> AppendAsync(ILedgerSession session, IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            throw new ArgumentException("Append at least one event.", nameof(events));
        }

        var latest = await session.GetLatestTreeHeadAsync(cancellationToken).ConfigureAwait(false);
        var size = latest?.TreeSize ?? 0;

        // Extend only the tree a genuine head signed, and all of it: a head written without the key, subtree hashes
        // recomputed over rewritten entries, or entries left behind the latest head (its head, or every head,
        // deleted) would otherwise be signed over by this append and pass every later verification.
        if ((await session.GetLedgerEntriesAsync(size, 1, cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            throw Altered(Inv($"it holds entries beyond its latest signed head (for {size} entries)"));
        }

        var edge = await session.GetLedgerNodesAsync(MerkleFrontier.EdgeOf(size), cancellationToken).ConfigureAwait(false);
        var frontier = new MerkleFrontier(size, c => edge.TryGetValue(c, out var h) ? h : throw MissingNode(c));
        if (latest is not null && !(CryptographicOperations.FixedTimeEquals(frontier.Root(), latest.RootHash) && IsOwnHead(latest)))
        {
            throw Altered(Inv($"its latest head (for {latest.TreeSize} entries) is not signed by this ledger's key or does not match the stored subtree hashes"));
        }

        // Never grow a ledger that was cut back or rewritten below the witnessed head: the fork would outgrow it.
        if (!await ExtendsWitnessedAsync(session, latest, cancellationToken).ConfigureAwait(false))
        {
            throw Altered(Inv($"it does not extend the witnessed head (for {_witnessed?.TreeSize} entries): it was rolled back or rewritten"));
        }

        var now = DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
        var entries = new List<AuditEntry>(events.Count);
        var nodes = new List<KeyValuePair<NodeCoordinate, byte[]>>(events.Count * 2);
        foreach (var e in events)
        {
            ArgumentNullException.ThrowIfNull(e, nameof(events));
            var entry = new AuditEntry(frontier.Size, now, e);
            entries.Add(entry);
            frontier.Append(entry.LeafHash(), (c, h) => nodes.Add(new(c, h)));
        }

        var head = _signingKey.Sign(frontier.Size, frontier.Root(), now);
        await session.AppendLedgerAsync(entries, nodes, head, cancellationToken).ConfigureAwait(false);
        _lastSigned = head;
        GovernanceInstruments.LedgerAppends.Add(1);
        GovernanceInstruments.LedgerBatchSize.Record(events.Count);
        return head;
    }

    /// <summary>
    /// Whether <paramref name="head"/> is signed by this ledger's key; the head this instance signed or verified last
    /// is known without a signature check (it is compared field by field, so a changed head is checked again).
    /// </summary>
    private bool IsOwnHead(SignedTreeHead head)
    {
        if (SameHead(_lastSigned, head) || SameHead(_lastVerified, head))
        {
            return true;
        }

        if (!_signingKey.VerificationKey.Verify(head))
        {
            return false;
        }

        _lastVerified = head;
        return true;
    }

    private static bool SameHead(SignedTreeHead? known, SignedTreeHead head) =>
        known is not null && known.TreeSize == head.TreeSize && known.Timestamp == head.Timestamp && known.KeyId == head.KeyId
            && known.RootHash.AsSpan().SequenceEqual(head.RootHash) && known.Signature.AsSpan().SequenceEqual(head.Signature);

    /// <summary>
    /// Records a read of personal data in the access log, inside the caller's write transaction, and commits the
    /// pending rows to the ledger when the <see cref="AccessLogPolicy"/> says so. A read therefore never appends a
    /// ledger entry and a signed head of its own.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="access"/> commits a record: reads write none.</exception>
    public async Task RecordAccessAsync(ILedgerSession session, AuditEvent access, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(access);
        if (access.Commitment is not null)
        {
            throw new ArgumentException("A read commits no record.", nameof(access));
        }

        await session.AppendAccessAsync(Now(), access, cancellationToken).ConfigureAwait(false);
        await CommitAccessLogAsync(session, force: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Commits every pending access-log row to the ledger in one entry, in one write transaction; nothing when none
    /// is pending. Safe to run from several processes at once: each reads what is committed inside its own
    /// serialised write transaction, so no row is committed twice.
    /// </summary>
    /// <returns>The new signed head, or <see langword="null"/> when nothing was pending.</returns>
    public Task<SignedTreeHead?> FlushAccessLogAsync(IGovernanceStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.WriteAsync((s, ct) => CommitAccessLogAsync(s, force: true, ct), cancellationToken);
    }

    private async Task<SignedTreeHead?> CommitAccessLogAsync(ILedgerSession session, bool force, CancellationToken cancellationToken)
    {
        var committed = await AccessLogBatch.CommittedUpToAsync(session, cancellationToken).ConfigureAwait(false);
        var (count, oldest, last) = await session.GetPendingAccessAsync(committed, cancellationToken).ConfigureAwait(false);
        if (count == 0 || (!force && count < AccessLogPolicy.BatchSize && Now() - oldest < AccessLogPolicy.MaxAge))
        {
            return null;
        }

        var first = committed + 1;
        var commitment = new RecordCommitment(RecordTables.AccessLog, AccessLogBatch.Key(first, last), await AccessLogBatch.HashAsync(session, first, last, cancellationToken).ConfigureAwait(false));
        return await AppendAsync(session, [new AuditEvent(AccessLogActor, AuditAction.Create, AccessLogCategory, from: "db:access-log", commitment: commitment)], cancellationToken).ConfigureAwait(false);
    }

    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>An inclusion proof for entry <paramref name="leafIndex"/> in the tree of <paramref name="treeSize"/> entries (the current size when null).</summary>
    public static async Task<Outcome<InclusionProof>> GetInclusionProofAsync(ILedgerSession session, long leafIndex, long? treeSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var current = await session.GetLedgerSizeAsync(cancellationToken).ConfigureAwait(false);
        var size = treeSize ?? current;
        if (size < 1 || size > current)
        {
            return GovernanceError.Invalid("treeSize", string.Create(CultureInfo.InvariantCulture, $"The tree size must be between 1 and the ledger size ({current})."));
        }

        if (leafIndex < 0 || leafIndex >= size)
        {
            return GovernanceError.Invalid("leafIndex", "The leaf index must be below the tree size.");
        }

        var leaf = new NodeCoordinate(0, leafIndex);
        var required = MerkleProofs.RequiredNodes(node => MerkleProofs.InclusionPath(leafIndex, size, node)).Append(leaf).ToList();
        var nodes = await session.GetLedgerNodesAsync(required, cancellationToken).ConfigureAwait(false);
        byte[] Node(NodeCoordinate c) => nodes.TryGetValue(c, out var h) ? h : throw MissingNode(c);
        return new InclusionProof(leafIndex, size, Node(leaf), MerkleProofs.InclusionPath(leafIndex, size, Node));
    }

    /// <summary>A consistency proof between tree sizes <paramref name="firstSize"/> and <paramref name="secondSize"/> (the current size when null).</summary>
    public static async Task<Outcome<ConsistencyProof>> GetConsistencyProofAsync(ILedgerSession session, long firstSize, long? secondSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var current = await session.GetLedgerSizeAsync(cancellationToken).ConfigureAwait(false);
        var second = secondSize ?? current;
        if (second < 0 || second > current)
        {
            return GovernanceError.Invalid("secondSize", string.Create(CultureInfo.InvariantCulture, $"The second tree size must be between 0 and the ledger size ({current})."));
        }

        if (firstSize < 0 || firstSize > second)
        {
            return GovernanceError.Invalid("firstSize", "The first tree size must be between 0 and the second.");
        }

        var nodes = await session.GetLedgerNodesAsync(MerkleProofs.RequiredNodes(node => MerkleProofs.ConsistencyPath(firstSize, second, node)), cancellationToken).ConfigureAwait(false);
        return new ConsistencyProof(firstSize, second, MerkleProofs.ConsistencyPath(firstSize, second, c => nodes.TryGetValue(c, out var h) ? h : throw MissingNode(c)));
    }

    /// <summary>
    /// Recomputes the whole tree from the stored entries and checks it against every signed head (roots and
    /// signatures, with <paramref name="trustedKey"/>) and against the stored subtree hashes, then checks the stored
    /// records against the ledger both ways. Detects modified, removed, reordered, inserted and unsigned entries, and
    /// records inserted, changed or deleted outside Obscura. Memory use is logarithmic in the ledger size.
    /// </summary>
    /// <param name="session">A read session.</param>
    /// <param name="trustedKey">The key heads must be signed with; obtain it from a source the store's writer cannot alter.</param>
    /// <param name="progress">Receives the number of entries checked so far.</param>
    /// <param name="cancellationToken">Cancels the pass.</param>
    public static Task<LedgerVerificationReport> VerifyAsync(ILedgerSession session, LedgerVerificationKey trustedKey, IProgress<long>? progress, CancellationToken cancellationToken) =>
        VerifyAsync(session, trustedKey, null, progress, cancellationToken);

    /// <summary>
    /// Verifies the ledger as <see cref="VerifyAsync(ILedgerSession, LedgerVerificationKey, IProgress{long}, CancellationToken)"/>
    /// does and, with <paramref name="witnessedHead"/> (a head saved earlier or held by a witness), also that the
    /// ledger still extends it: at least as many entries, and the first <see cref="SignedTreeHead.TreeSize"/> of them,
    /// recomputed, giving its root. A ledger cut back below the head, or rewritten and re-signed (a fork), is reported
    /// even when it is otherwise consistent.
    /// </summary>
    /// <param name="session">A read session.</param>
    /// <param name="trustedKey">The key heads must be signed with.</param>
    /// <param name="witnessedHead">A head the ledger must extend, or <see langword="null"/>.</param>
    /// <param name="progress">Receives the number of entries checked so far.</param>
    /// <param name="cancellationToken">Cancels the pass.</param>
    public static async Task<LedgerVerificationReport> VerifyAsync(ILedgerSession session, LedgerVerificationKey trustedKey, SignedTreeHead? witnessedHead, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(trustedKey);
        var problems = new List<LedgerProblem>();
        void Report(LedgerProblem p)
        {
            if (problems.Count < MaxProblems)
            {
                problems.Add(p);
            }
        }

        var levelDigests = new List<IncrementalHash>();
        var levelCounts = new List<long>();
        var frontier = new MerkleFrontier(0, _ => throw new InvalidOperationException("An empty tree has no edge."));
        var heads = new HeadCursor(session, cancellationToken);
        SignedTreeHead? latest = null;
        long headCount = 0, coveredUpTo = 0, expected = 0, next = 0;
        var rootMismatchFound = false;
        var records = new RecordAudit(session, Report, cancellationToken);
        if (witnessedHead is not null && !trustedKey.Verify(witnessedHead))
        {
            Report(new LedgerProblem(LedgerProblemKind.WitnessedHeadNotAuthentic, Inv($"The witnessed head for {witnessedHead.TreeSize} entries is not signed by the trusted key {trustedKey.KeyId}; it proves nothing.")));
            witnessedHead = null;
        }

        if (witnessedHead is { TreeSize: 0 } && !CryptographicOperations.FixedTimeEquals(witnessedHead.RootHash, MerkleHash.Empty()))
        {
            Report(ForkFrom(witnessedHead));
        }

        try
        {
            while (true)
            {
                var page = await session.GetLedgerEntriesAsync(next, PageSize, cancellationToken).ConfigureAwait(false);
                if (page.Count == 0)
                {
                    break;
                }

                foreach (var entry in page)
                {
                    if (entry.Sequence != expected)
                    {
                        Report(new LedgerProblem(LedgerProblemKind.EntryMissing, Inv($"Entries {expected}..{entry.Sequence - 1} are missing."), expected, entry.Sequence - 1));
                    }

                    expected = entry.Sequence + 1;
                    frontier.Append(entry.LeafHash(), (c, h) =>
                    {
                        while (levelDigests.Count <= c.Level)
                        {
                            levelDigests.Add(IncrementalHash.CreateHash(HashAlgorithmName.SHA256));
                            levelCounts.Add(0);
                        }

                        levelDigests[c.Level].AppendData(h);
                        levelCounts[c.Level]++;
                    });
                    if (witnessedHead is not null && frontier.Size == witnessedHead.TreeSize && !CryptographicOperations.FixedTimeEquals(witnessedHead.RootHash, frontier.Root()))
                    {
                        Report(ForkFrom(witnessedHead));
                    }

                    while (await heads.PeekAsync().ConfigureAwait(false) is { } head && head.TreeSize <= frontier.Size)
                    {
                        await heads.NextAsync().ConfigureAwait(false);
                        headCount++;
                        latest = head;
                        CheckSignature(head, trustedKey, Report);
                        // Once one head mismatches, every later head does too (it covers the same leaves); report the first, which locates the change.
                        if (!rootMismatchFound && head.TreeSize == frontier.Size && !CryptographicOperations.FixedTimeEquals(head.RootHash, frontier.Root()))
                        {
                            rootMismatchFound = true;
                            Report(new LedgerProblem(LedgerProblemKind.EntriesDoNotMatchSignedHead, Inv($"The signed head for {head.TreeSize} entries does not match the stored entries: an entry in {coveredUpTo}..{head.TreeSize - 1} was modified, reordered, inserted or removed (later heads are affected too)."), coveredUpTo, head.TreeSize - 1));
                        }

                        coveredUpTo = head.TreeSize;
                    }
                }

                await records.CheckEntriesAsync(page).ConfigureAwait(false);
                next = page[^1].Sequence + 1;
                progress?.Report(frontier.Size);
            }

            if (witnessedHead is not null && frontier.Size < witnessedHead.TreeSize)
            {
                Report(new LedgerProblem(LedgerProblemKind.CutBackBelowWitnessedHead, Inv($"The ledger was cut back: it holds {frontier.Size} entries but the witnessed head signed at {witnessedHead.Timestamp:O} covers {witnessedHead.TreeSize}."), frontier.Size, witnessedHead.TreeSize - 1));
            }

            while (await heads.PeekAsync().ConfigureAwait(false) is { } head)
            {
                await heads.NextAsync().ConfigureAwait(false);
                headCount++;
                latest = head;
                CheckSignature(head, trustedKey, Report);
                if (head.TreeSize > frontier.Size && problems.All(p => p.Kind != LedgerProblemKind.EntriesTruncated))
                {
                    Report(new LedgerProblem(LedgerProblemKind.EntriesTruncated, Inv($"A signed head covers {head.TreeSize} entries but only {frontier.Size} are stored: entries were removed."), frontier.Size, head.TreeSize - 1));
                }
            }

            if (latest is null && frontier.Size > 0)
            {
                Report(new LedgerProblem(LedgerProblemKind.NoSignedHead, Inv($"{frontier.Size} entries are stored but no signed head exists."), 0, frontier.Size - 1));
            }
            else if (latest is not null && frontier.Size > latest.TreeSize)
            {
                Report(new LedgerProblem(LedgerProblemKind.EntriesNotCoveredBySignedHead, Inv($"Entries {latest.TreeSize}..{frontier.Size - 1} are not covered by any signed head: they were inserted outside the ledger."), latest.TreeSize, frontier.Size - 1));
            }

            await CheckStoredSubtreesAsync(session, levelDigests, levelCounts, Report, cancellationToken).ConfigureAwait(false);
            await records.CheckTablesAsync().ConfigureAwait(false);
        }
        finally
        {
            levelDigests.ForEach(d => d.Dispose());
        }

        return new LedgerVerificationReport(frontier.Size, headCount, latest, problems, records.RecordsChecked, records.PendingAccessRecords);
    }

    /// <summary>
    /// Checks, without the store, that <paramref name="current"/> extends <paramref name="witnessed"/>: both signed by
    /// <paramref name="trustedKey"/>, the current ledger at least as large, and <paramref name="proof"/> an RFC 9162
    /// consistency proof from the witnessed size to the current one. This is what a client or a witness that only
    /// holds heads and proofs can check.
    /// </summary>
    /// <returns>The problems found; empty when the current head extends the witnessed one.</returns>
    public static IReadOnlyList<LedgerProblem> CheckWitnessedHead(SignedTreeHead witnessed, SignedTreeHead? current, ConsistencyProof? proof, LedgerVerificationKey trustedKey)
    {
        ArgumentNullException.ThrowIfNull(witnessed);
        ArgumentNullException.ThrowIfNull(trustedKey);
        if (!trustedKey.Verify(witnessed))
        {
            return [new LedgerProblem(LedgerProblemKind.WitnessedHeadNotAuthentic, Inv($"The witnessed head for {witnessed.TreeSize} entries is not signed by the trusted key {trustedKey.KeyId}; it proves nothing."))];
        }

        var size = current?.TreeSize ?? 0;
        if (current is not null && !trustedKey.Verify(current))
        {
            return [new LedgerProblem(LedgerProblemKind.SignatureInvalid, Inv($"The current head for {current.TreeSize} entries is not signed by the trusted key {trustedKey.KeyId}."))];
        }

        if (size < witnessed.TreeSize)
        {
            return [new LedgerProblem(LedgerProblemKind.CutBackBelowWitnessedHead, Inv($"The ledger was cut back: it holds {size} entries but the witnessed head signed at {witnessed.Timestamp:O} covers {witnessed.TreeSize}."), size, witnessed.TreeSize - 1)];
        }

        var consistent = proof is not null && proof.FirstSize == witnessed.TreeSize && proof.SecondSize == size
            && proof.Verify(witnessed.RootHash, current?.RootHash ?? MerkleHash.Empty());
        return consistent ? [] : [ForkFrom(witnessed)];
    }

    private static LedgerProblem ForkFrom(SignedTreeHead witnessed) =>
        new(LedgerProblemKind.ForkedFromWitnessedHead, Inv($"The ledger is a fork of the witnessed head: its first {witnessed.TreeSize} entries no longer give the root that head signed at {witnessed.Timestamp:O}; history was rewritten."), 0, witnessed.TreeSize - 1);

    private static async Task CheckStoredSubtreesAsync(ILedgerSession session, List<IncrementalHash> expectedDigests, List<long> expectedCounts, Action<LedgerProblem> report, CancellationToken cancellationToken)
    {
        // Each level of stored hashes must equal, in count and content, the level recomputed from the entries.
        for (var level = 0; level <= expectedDigests.Count; level++)
        {
            using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long count = 0;
            while (true)
            {
                var page = await session.GetLedgerLevelAsync(level, count, PageSize, cancellationToken).ConfigureAwait(false);
                foreach (var h in page)
                {
                    digest.AppendData(h);
                }

                count += page.Count;
                if (page.Count < PageSize)
                {
                    break;
                }
            }

            var expectedCount = level < expectedCounts.Count ? expectedCounts[level] : 0;
            var matches = count == expectedCount && (count == 0 || CryptographicOperations.FixedTimeEquals(digest.GetHashAndReset(), expectedDigests[level].GetHashAndReset()));
            if (!matches)
            {
                report(new LedgerProblem(LedgerProblemKind.SubtreeHashMismatch, Inv($"Stored subtree hashes at level {level} ({count}) do not match the entries ({expectedCount}); proofs would be wrong.")));
            }
        }
    }

    private static void CheckSignature(SignedTreeHead head, LedgerVerificationKey key, Action<LedgerProblem> report)
    {
        if (!key.Verify(head))
        {
            var why = head.KeyId == key.KeyId ? "its signature does not verify" : $"it names key {head.KeyId}, not the trusted key {key.KeyId}";
            report(new LedgerProblem(LedgerProblemKind.SignatureInvalid, Inv($"The head for {head.TreeSize} entries is not authentic: {why}."), null, head.TreeSize - 1));
        }
    }

    private static InvalidOperationException Altered(string why) =>
        new($"The audit ledger was altered outside Obscura ({why}); nothing is appended to it. Run 'obscura ledger verify'.");

    private static InvalidOperationException MissingNode(NodeCoordinate c) =>
        new(Inv($"The ledger store lacks the subtree hash at level {c.Level}, index {c.Index}. Run 'obscura ledger verify'."));

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>Walks signed heads in size order, a page at a time.</summary>
    private sealed class HeadCursor(ILedgerSession session, CancellationToken cancellationToken)
    {
        private IReadOnlyList<SignedTreeHead> _page = [];
        private int _position;
        private long _nextSize;
        private bool _exhausted;

        public async Task<SignedTreeHead?> PeekAsync()
        {
            if (_position < _page.Count)
            {
                return _page[_position];
            }

            if (_exhausted)
            {
                return null;
            }

            _page = await session.GetTreeHeadsAsync(_nextSize, PageSize, cancellationToken).ConfigureAwait(false);
            _position = 0;
            if (_page.Count == 0)
            {
                _exhausted = true;
                return null;
            }

            _nextSize = _page[^1].TreeSize + 1;
            return _page[0];
        }

        public async Task NextAsync()
        {
            _ = await PeekAsync().ConfigureAwait(false);
            _position++;
        }
    }
}
