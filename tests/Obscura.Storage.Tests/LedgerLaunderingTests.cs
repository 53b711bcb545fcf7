using System.Globalization;
using Obscura.Governance;
using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.TestSupport;

namespace Obscura.Storage.Tests;

/// <summary>
/// An attacker with the database but without the signing key cannot sign a head, but could let Obscura sign one
/// over their forgery: the next append extends whatever tree the store holds. Each attack here tampers, lets one
/// legitimate write run, removes its own traces and then requires that the forgery is still found (issue 12,
/// adversarial review of finding 9).
/// </summary>
public abstract class LedgerLaunderingTests(StorageBackend backend) : BackendTests(backend)
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly SubjectId Alice = SubjectId.Parse("alice");
    private static readonly SubjectId Bob = SubjectId.Parse("bob");

    [Fact]
    public async Task An_append_refuses_to_sign_over_an_entry_behind_a_head_it_did_not_sign()
    {
        using var f = Fixture();
        var verification = await AliceAndVerificationAsync(f);

        // The attacker forges a consent row, the entry committing it, the subtree hashes and a head with a made-up
        // signature, so the ledger looks one entry longer.
        RawDatabase.Execute(f, "INSERT INTO consent_events (id, subject, purpose, kind, at, notice_version, explicit, channel, actor) VALUES ('con_forged', 'alice', 'identity-verification', 1, 0, 'n1', 1, 'app', 'test:admin')");
        var hash = await f.Store.ReadAsync((s, ct) => s.FindRecordsAsync(RecordTables.ConsentEvents, ["con_forged"], ct), Ct);
        var forgedHead = await LedgerForgery.AppendAsync(f, new AuditEvent("test:admin", AuditAction.Create, GovernanceCategories.ConsentRecord, Alice, verification, to: "db:consent", reference: "con_forged", commitment: new RecordCommitment(RecordTables.ConsentEvents, "con_forged", hash["con_forged"])), withHead: true);

        // A legitimate write must not extend (and so sign) the forged tree.
        var refused = await AppendRefusedAsync(f);

        // The attacker removes their head: the forged entry must not be covered by a genuine head.
        RawDatabase.Tamper(f, "DELETE FROM ledger_heads WHERE tree_size = $n", ("$n", (object)forgedHead));
        var report = await f.LedgerService.VerifyAsync(null, null, Ct);
        Assert.Contains(report.Problems, p => p.Kind == LedgerProblemKind.EntriesNotCoveredBySignedHead);
        Assert.Contains("ledger verify", refused?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_append_refuses_to_sign_over_history_rewritten_with_recomputed_subtree_hashes()
    {
        using var f = Fixture();
        var verification = await AliceAndVerificationAsync(f);
        await f.Governance.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(Alice, verification, "n1", true, "app"), Ct);
        await f.Governance.WithdrawConsentAsync(GovernanceFixture.Admin, Alice, verification, Ct);
        await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, SubjectId.Parse("carol"), Ct);
        var withdrawal = (await f.LedgerService.GetEntriesAsync(0, 100, Ct)).Value!.Last(e => e.Event.Commitment?.Table == RecordTables.ConsentEvents);

        // The attacker rewrites the withdrawal's entry and row, recomputes every subtree hash from the entries, and
        // keeps only the latest genuine head (which no longer matches) until Obscura signs a new one.
        RawDatabase.Tamper(f, "UPDATE consent_events SET kind = 1, notice_version = 'n1', explicit = 1, channel = 'app' WHERE kind = 2");
        var rowHash = (await f.Store.ReadAsync((s, ct) => s.FindRecordsAsync(RecordTables.ConsentEvents, [withdrawal.Event.Commitment!.Key], ct), Ct)).Single().Value;
        RawDatabase.Tamper(f, "UPDATE ledger_entries SET content_hash = $h WHERE seq = $seq", ("$h", rowHash), ("$seq", withdrawal.Sequence));
        await LedgerForgery.RecomputeNodesAsync(f);

        var latest = await f.LedgerService.GetLatestHeadAsync(Ct);
        var refused = await AppendRefusedAsync(f);

        // Had the append gone through, deleting the genuine heads over the rewritten entry would leave a ledger whose
        // every remaining head is genuine; as it is, the rewritten entries are covered by none.
        RawDatabase.Tamper(f, "DELETE FROM ledger_heads WHERE tree_size > $k AND tree_size <= $n", ("$k", withdrawal.Sequence), ("$n", latest!.TreeSize));
        Assert.False((await f.LedgerService.VerifyAsync(null, null, Ct)).Intact);
        Assert.Contains("ledger verify", refused?.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Deleting the latest head, or every head, leaves entries beyond the latest head that remains: an append would
    /// sign over them (or, without any head, start a new tree over the old one).
    /// </summary>
    [Theory]
    [InlineData("DELETE FROM ledger_heads WHERE tree_size = (SELECT MAX(tree_size) FROM ledger_heads)")]
    [InlineData("DELETE FROM ledger_heads")]
    public async Task An_append_refuses_to_extend_a_ledger_whose_latest_heads_were_deleted(string sql)
    {
        using var f = Fixture();
        await AliceAndVerificationAsync(f);
        var entries = (await f.LedgerService.GetEntriesAsync(0, 100, Ct)).Value!.Count;

        Assert.True(RawDatabase.Tamper(f, sql) > 0);

        var refused = await AppendRefusedAsync(f);
        Assert.Contains("ledger verify", refused?.Message, StringComparison.Ordinal);
        Assert.Equal(entries, (await f.LedgerService.GetEntriesAsync(0, 100, Ct)).Value!.Count);
        Assert.False((await f.LedgerService.VerifyAsync(null, null, Ct)).Intact);
    }

    [Fact]
    public async Task Another_ledger_instance_extends_a_head_its_key_signed_and_refuses_one_another_key_signed()
    {
        using var f = Fixture();
        await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, Alice, Ct);
        var e = new AuditEvent("test:writer", AuditAction.Read, GovernanceCategories.SubjectRecord, Alice);

        // Another process with the same key knows no head it signed: it checks the signature, and extends the tree.
        var sameKey = new AuditLedger(f.SigningKey, f.Clock);
        await f.Store.WriteAsync((s, ct) => sameKey.AppendAsync(s, [e], ct), Ct);

        using var otherKey = LedgerSigningKey.Generate();
        var foreign = new AuditLedger(otherKey, f.Clock);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => f.Store.WriteAsync((s, ct) => foreign.AppendAsync(s, [e], ct), Ct));
        Assert.Contains("ledger verify", refused.Message, StringComparison.Ordinal);

        await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, Bob, Ct);
        var report = await f.LedgerService.VerifyAsync(null, null, Ct);
        Assert.True(report.Intact, string.Join("; ", report.Problems.Select(p => p.Message)));
        Assert.Equal(3, report.EntryCount);
    }

    /// <summary>Registers Alice and identity verification; returns the purpose.</summary>
    private static async Task<PurposeId> AliceAndVerificationAsync(GovernanceFixture f)
    {
        await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, Alice, Ct);
        await f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.IdentityVerification, Ct);
        return SamplePurposes.IdentityVerification.Id;
    }

    /// <summary>Runs one legitimate write; returns why it was refused, or null when it went through.</summary>
    private static async Task<InvalidOperationException?> AppendRefusedAsync(GovernanceFixture f)
    {
        try
        {
            await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, Bob, Ct);
            return null;
        }
        catch (InvalidOperationException ex)
        {
            return ex;
        }
    }

    /// <summary>What an attacker without the signing key can write: entries, subtree hashes, and heads whose signature is made up.</summary>
    private static class LedgerForgery
    {
        /// <summary>Appends <paramref name="e"/> as the next entry with the subtree hashes it completes and, optionally, a head over it with a random signature; returns the new size.</summary>
        public static async Task<long> AppendAsync(GovernanceFixture f, AuditEvent e, bool withHead)
        {
            var size = (await f.LedgerService.GetLatestHeadAsync(Ct))!.TreeSize;
            var nodes = await ReadNodesAsync(f);
            var entry = new AuditEntry(size, DateTimeOffset.FromUnixTimeMilliseconds(f.Clock.GetUtcNow().ToUnixTimeMilliseconds()), e);
            nodes[(0, size)] = entry.LeafHash();
            var inserts = new List<string> { InsertEntrySql(entry) };
            inserts.AddRange(CompleteParents(nodes, size + 1).Select(InsertNodeSql));
            inserts.Add(InsertNodeSql((0, size, nodes[(0, size)])));
            if (withHead)
            {
                var root = MerkleProofs.Root(size + 1, c => nodes[(c.Level, c.Index)]);
                inserts.Add(string.Create(CultureInfo.InvariantCulture, $"INSERT INTO ledger_heads (tree_size, root, signed_at, key_id, signature) VALUES ({size + 1}, X'{Convert.ToHexString(root)}', {f.Clock.GetUtcNow().ToUnixTimeMilliseconds()}, '{f.SigningKey.KeyId}', randomblob(64))"));
            }

            RawDatabase.Tamper(f, string.Join(";", inserts));
            return size + 1;
        }

        /// <summary>Replaces every stored subtree hash by the one recomputed from the stored entries.</summary>
        public static async Task RecomputeNodesAsync(GovernanceFixture f)
        {
            var entries = (await f.LedgerService.GetEntriesAsync(0, 1000, Ct)).Value!;
            var nodes = new Dictionary<(int Level, long Index), byte[]>();
            foreach (var e in entries)
            {
                nodes[(0, e.Sequence)] = e.LeafHash();
            }

            var all = CompleteParents(nodes, entries.Count).Concat(entries.Select(e => (0, e.Sequence, nodes[(0, e.Sequence)])));
            RawDatabase.Tamper(f, "DELETE FROM ledger_nodes;" + string.Join(";", all.Select(InsertNodeSql)));
        }

        private static async Task<Dictionary<(int Level, long Index), byte[]>> ReadNodesAsync(GovernanceFixture f)
        {
            var nodes = new Dictionary<(int Level, long Index), byte[]>();
            for (var level = 0; level < 63; level++)
            {
                var hashes = await f.Store.ReadAsync((s, ct) => s.GetLedgerLevelAsync(level, 0, 100_000, ct), Ct);
                if (hashes.Count == 0)
                {
                    break;
                }

                for (var i = 0; i < hashes.Count; i++)
                {
                    nodes[(level, i)] = hashes[i];
                }
            }

            return nodes;
        }

        /// <summary>Adds to <paramref name="nodes"/> (and returns) every perfect subtree above level 0 of a tree of <paramref name="size"/> leaves that it lacks.</summary>
        private static List<(int Level, long Index, byte[] Hash)> CompleteParents(Dictionary<(int Level, long Index), byte[]> nodes, long size)
        {
            var added = new List<(int, long, byte[])>();
            for (var level = 1; (1L << level) <= size; level++)
            {
                for (long i = 0; (i + 1) << level <= size; i++)
                {
                    if (!nodes.ContainsKey((level, i)))
                    {
                        nodes[(level, i)] = MerkleHash.Node(nodes[(level - 1, 2 * i)], nodes[(level - 1, (2 * i) + 1)]);
                        added.Add((level, i, nodes[(level, i)]));
                    }
                }
            }

            return added;
        }

        private static string InsertNodeSql((int Level, long Index, byte[] Hash) n) =>
            string.Create(CultureInfo.InvariantCulture, $"INSERT INTO ledger_nodes (level, idx, hash) VALUES ({n.Level}, {n.Index}, X'{Convert.ToHexString(n.Hash)}')");

        private static string InsertEntrySql(AuditEntry entry)
        {
            var e = entry.Event;
            var c = e.Commitment!;
            static string Text(string? s) => s is null ? "NULL" : "'" + s + "'";
            return string.Create(CultureInfo.InvariantCulture, $"INSERT INTO ledger_entries (seq, recorded_at, actor, action, category, subject, purpose, from_location, to_location, reference, record_table, record_key, content_hash) VALUES ({entry.Sequence}, {entry.RecordedAt.ToUnixTimeMilliseconds()}, {Text(e.Actor)}, {(int)e.Action}, {Text(e.DataCategory.Value)}, {Text(e.Subject?.Value)}, {Text(e.Purpose?.Value)}, {Text(e.From)}, {Text(e.To)}, {Text(e.Reference)}, {Text(c.Table)}, {Text(c.Key)}, X'{Convert.ToHexString(c.ContentHash)}')");
        }
    }
}
