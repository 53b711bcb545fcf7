using CsCheck;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.TestSupport;

namespace Obscura.Storage.Tests;

public abstract class LedgerTamperingTests(StorageBackend backend) : BackendTests(backend)
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly DataCategory FaceImage = DataCategory.Parse("face-image");

    [Fact]
    public async Task An_untouched_ledger_verifies_and_serves_proofs_that_check_against_signed_heads()
    {
        using var f = Fixture();
        var first = await AppendAsync(f, 5, batch: 1);
        var second = await AppendAsync(f, 40, batch: 7);
        var report = await f.LedgerService.VerifyAsync(null, null, Ct);
        Assert.True(report.Intact);
        Assert.Equal(45, report.EntryCount);
        Assert.Equal(5 + 6, report.SignedHeadCount);
        Assert.True(f.SigningKey.VerificationKey.Verify(second));

        for (var i = 0; i < 45; i += 4)
        {
            var proof = (await f.LedgerService.GetInclusionProofAsync(i, null, Ct)).Value!;
            Assert.True(proof.Verify(second.RootHash));
            var entry = (await f.LedgerService.GetEntriesAsync(i, 1, Ct)).Value!.Single();
            Assert.Equal(entry.LeafHash(), proof.LeafHash);
        }

        var consistency = (await f.LedgerService.GetConsistencyProofAsync(first.TreeSize, second.TreeSize, Ct)).Value!;
        Assert.True(consistency.Verify(first.RootHash, second.RootHash));
        var oldInclusion = (await f.LedgerService.GetInclusionProofAsync(2, first.TreeSize, Ct)).Value!;
        Assert.True(oldInclusion.Verify(first.RootHash));
    }

    [Fact]
    public async Task Proof_requests_outside_the_ledger_are_invalid_not_errors()
    {
        using var f = Fixture();
        await AppendAsync(f, 3, batch: 3);
        Assert.Equal("leafIndex", (await f.LedgerService.GetInclusionProofAsync(3, null, Ct)).Error!.Field);
        Assert.Equal("treeSize", (await f.LedgerService.GetInclusionProofAsync(0, 4, Ct)).Error!.Field);
        Assert.Equal("firstSize", (await f.LedgerService.GetConsistencyProofAsync(3, 2, Ct)).Error!.Field);
        Assert.Equal("secondSize", (await f.LedgerService.GetConsistencyProofAsync(1, 9, Ct)).Error!.Field);
    }

    [Fact]
    public async Task Modifying_an_entry_is_detected_and_located_between_signed_heads()
    {
        using var f = Fixture();
        await AppendAsync(f, 30, batch: 10);
        RawDatabase.Tamper(f, "UPDATE ledger_entries SET actor = 'someone-else' WHERE seq = 14");
        var report = await f.LedgerService.VerifyAsync(null, null, Ct);
        var problem = Assert.Single(report.Problems, p => p.Kind == LedgerProblemKind.EntriesDoNotMatchSignedHead);
        Assert.Equal((10L, 19L), (problem.FirstSequence, problem.LastSequence));
        Assert.Contains(report.Problems, p => p.Kind == LedgerProblemKind.SubtreeHashMismatch);
    }

    [Fact]
    public async Task Removing_an_entry_in_the_middle_or_at_the_end_is_detected()
    {
        using var f = Fixture();
        await AppendAsync(f, 12, batch: 4);
        RawDatabase.Tamper(f, "DELETE FROM ledger_entries WHERE seq = 5");
        var middle = await f.LedgerService.VerifyAsync(null, null, Ct);
        Assert.Contains(middle.Problems, p => p.Kind == LedgerProblemKind.EntryMissing && p.FirstSequence == 5);

        using var g = Fixture();
        await AppendAsync(g, 12, batch: 4);
        RawDatabase.Tamper(g, "DELETE FROM ledger_entries WHERE seq = 11");
        var end = await g.LedgerService.VerifyAsync(null, null, Ct);
        Assert.Contains(end.Problems, p => p.Kind == LedgerProblemKind.EntriesTruncated);
    }

    [Fact]
    public async Task Reordering_two_entries_is_detected()
    {
        using var f = Fixture();
        await AppendAsync(f, 8, batch: 8);
        RawDatabase.Tamper(f, """
            UPDATE ledger_entries SET seq = -1 WHERE seq = 2;
            UPDATE ledger_entries SET seq = 2 WHERE seq = 6;
            UPDATE ledger_entries SET seq = 6 WHERE seq = -1;
            """);
        Assert.Contains((await f.LedgerService.VerifyAsync(null, null, Ct)).Problems, p => p.Kind == LedgerProblemKind.EntriesDoNotMatchSignedHead);
    }

    [Fact]
    public async Task An_entry_inserted_behind_the_ledgers_back_is_detected()
    {
        using var f = Fixture();
        await AppendAsync(f, 4, batch: 2);
        RawDatabase.Tamper(f, "INSERT INTO ledger_entries (seq, recorded_at, actor, action, category) VALUES (4, 0, 'x', 2, 'face-image')");
        Assert.Contains((await f.LedgerService.VerifyAsync(null, null, Ct)).Problems, p => p.Kind == LedgerProblemKind.EntriesNotCoveredBySignedHead);
    }

    [Fact]
    public async Task A_forged_or_foreign_signature_is_detected()
    {
        using var f = Fixture();
        await AppendAsync(f, 4, batch: 2);
        RawDatabase.Tamper(f, "UPDATE ledger_heads SET signature = zeroblob(64) WHERE tree_size = 2");
        var report = await f.LedgerService.VerifyAsync(null, null, Ct);
        Assert.Single(report.Problems, p => p.Kind == LedgerProblemKind.SignatureInvalid);

        using var other = LedgerSigningKey.Generate();
        var foreign = await f.LedgerService.VerifyAsync(other.VerificationKey, null, Ct);
        Assert.Equal(2, foreign.Problems.Count(p => p.Kind == LedgerProblemKind.SignatureInvalid));
    }

    [Fact]
    public async Task Rewriting_history_and_recomputing_the_tree_still_fails_without_the_signing_key()
    {
        using var f = Fixture();
        await AppendAsync(f, 6, batch: 6);
        RawDatabase.Tamper(f, "UPDATE ledger_entries SET subject = 'someone-else' WHERE seq = 0; DELETE FROM ledger_nodes; DELETE FROM ledger_heads;");

        // The attacker re-signs the rewritten ledger with a key of their own.
        using var attackerKey = LedgerSigningKey.Generate();
        var attackerLedger = new AuditLedger(attackerKey, f.Clock);
        var entries = (await f.LedgerService.GetEntriesAsync(0, 100, Ct)).Value!;
        RawDatabase.Tamper(f, "DELETE FROM ledger_entries");
        await f.Store.WriteAsync((s, ct) => attackerLedger.AppendAsync(s, entries.Select(e => e.Event).ToList(), ct), Ct);

        var report = await f.LedgerService.VerifyAsync(f.SigningKey.VerificationKey, null, Ct);
        Assert.Contains(report.Problems, p => p.Kind == LedgerProblemKind.SignatureInvalid);
    }

    [Fact]
    public async Task Tampering_with_any_column_of_any_stored_ledger_row_is_detected()
    {
        // Property: for random ledgers, every single-row, single-column change to entries, subtree hashes or heads
        // makes verification fail. Each generated change really alters the row, and detection is exact (up to a
        // SHA-256 collision), so a failure is a defect; CsCheck prints the seed to reproduce it.
        var gen = Gen.Select(Gen.Int[1, 40], Gen.Int[1, 6], Gen.Int[0, 2], Gen.Int[0, 1000], Gen.Int[0, 9]);
        await gen.SampleAsync(async t =>
        {
            var (count, batch, table, rowPick, columnPick) = t;
            using var f = Fixture();
            await AppendAsync(f, count, batch);
            switch (table)
            {
                case 0:
                    var columns = new[] { "recorded_at = recorded_at + 1", "actor = actor || 'x'", "action = 3 - action + 2", "category = 'health'", "subject = 'other'", "purpose = 'other-purpose'", "from_location = 'db:x'", "to_location = 'db:y'", "reference = 'ref-z'", "seq = seq + 1000" };
                    RawDatabase.Tamper(f, $"UPDATE ledger_entries SET {columns[columnPick]} WHERE seq = {rowPick % count}");
                    break;
                case 1:
                    var nodes = (count * 2) - BitCount(count);
                    RawDatabase.Tamper(f, $"UPDATE ledger_nodes SET hash = randomblob(32) WHERE (level, idx) = (SELECT level, idx FROM ledger_nodes ORDER BY level, idx LIMIT 1 OFFSET {rowPick % nodes})");
                    break;
                default:
                    var heads = (count + batch - 1) / batch;
                    var headColumns = new[] { "root = randomblob(32)", "signed_at = signed_at + 1", "signature = randomblob(64)", "tree_size = tree_size + 100" };
                    RawDatabase.Tamper(f, $"UPDATE ledger_heads SET {headColumns[columnPick % 4]} WHERE tree_size = (SELECT tree_size FROM ledger_heads ORDER BY tree_size LIMIT 1 OFFSET {rowPick % heads})");
                    break;
            }

            var report = await f.LedgerService.VerifyAsync(null, null, Ct);
            Assert.False(report.Intact, $"undetected: table {table}, {count} entries");
        }, iter: 60, threads: 1);
    }

    [Fact]
    public async Task Ledger_tables_refuse_updates_and_deletes_through_sql()
    {
        using var f = Fixture();
        var subject = (await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, null, Ct)).Value!.Id;
        await f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.IdentityVerification, Ct);
        await f.Governance.GiveConsentAsync(GovernanceFixture.Admin, new Governance.Consent.ConsentGrant(subject, SamplePurposes.IdentityVerification.Id, "n1", true, "app"), Ct);
        string[] statements = ["UPDATE ledger_entries SET actor = 'x'", "DELETE FROM ledger_entries", "DELETE FROM ledger_heads", "UPDATE ledger_nodes SET hash = zeroblob(32)", "DELETE FROM consent_events"];
        if (Backend == StorageBackend.Postgres)
        {
            statements = [.. statements, "TRUNCATE ledger_entries", "TRUNCATE ledger_nodes, ledger_heads", "TRUNCATE access_log"];
        }

        foreach (var sql in statements)
        {
            var ex = Assert.ThrowsAny<System.Data.Common.DbException>(() => RawDatabase.Execute(f, sql));
            Assert.Contains("append-only", ex.Message, StringComparison.Ordinal);
        }
    }

    private static int BitCount(int n) => System.Numerics.BitOperations.PopCount((uint)n);

    private static async Task<SignedTreeHead> AppendAsync(GovernanceFixture f, int count, int batch)
    {
        SignedTreeHead? head = null;
        for (var done = 0; done < count; done += batch)
        {
            var events = Enumerable.Range(done, Math.Min(batch, count - done))
                .Select(i => new AuditEvent("test:writer", AuditAction.Read, FaceImage, SubjectId.Parse($"sub-{i % 5}"), PurposeId.Parse("model-training"), "vault:images", "export:run-1", $"ref-{i}"))
                .ToList();
            head = await f.Store.WriteAsync((s, ct) => f.Ledger.AppendAsync(s, events, ct), Ct);
            f.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        return head!;
    }
}
