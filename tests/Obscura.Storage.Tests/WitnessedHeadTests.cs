using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.TestSupport;

namespace Obscura.Storage.Tests;

/// <summary>
/// A head saved earlier or held by a witness proves the ledger was not cut back or rewritten since (issue 12,
/// finding 10): the attacks keep the ledger otherwise consistent, so only the witnessed head reveals them.
/// </summary>
public abstract class WitnessedHeadTests(StorageBackend backend) : BackendTests(backend)
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly DataCategory FaceImage = DataCategory.Parse("face-image");

    [Fact]
    public async Task A_ledger_that_grew_from_the_witnessed_head_is_consistent_with_it_both_ways()
    {
        using var f = Fixture();
        var witnessed = await AppendAsync(f, 5);
        var current = await AppendAsync(f, 6);

        Assert.True((await f.LedgerService.VerifyAsync(null, witnessed, null, Ct)).Intact);
        var proof = (await f.LedgerService.GetConsistencyProofAsync(witnessed.TreeSize, current.TreeSize, Ct)).Value;
        Assert.Empty(AuditLedger.CheckWitnessedHead(witnessed, current, proof, f.SigningKey.VerificationKey));
        Assert.Empty(AuditLedger.CheckWitnessedHead(current, current, (await f.LedgerService.GetConsistencyProofAsync(current.TreeSize, current.TreeSize, Ct)).Value, f.SigningKey.VerificationKey));
    }

    [Fact]
    public async Task Cutting_the_tail_with_its_heads_and_nodes_is_invisible_alone_and_reported_against_the_witnessed_head()
    {
        using var f = Fixture();
        await AppendAsync(f, 3);
        var witnessed = await AppendAsync(f, 4);
        CutBack(f, keep: 3);

        Assert.True((await f.LedgerService.VerifyAsync(null, null, Ct)).Intact, "the cut should be invisible without a witness");
        var report = await f.LedgerService.VerifyAsync(null, witnessed, null, Ct);
        var problem = Assert.Single(report.Problems);
        Assert.Equal(LedgerProblemKind.CutBackBelowWitnessedHead, problem.Kind);
        Assert.Contains("cut back", problem.Message, StringComparison.Ordinal);

        var current = await f.LedgerService.GetLatestHeadAsync(Ct);
        Assert.Equal(LedgerProblemKind.CutBackBelowWitnessedHead, Assert.Single(AuditLedger.CheckWitnessedHead(witnessed, current, null, f.SigningKey.VerificationKey)).Kind);
    }

    [Fact]
    public async Task A_tail_rewritten_and_re_signed_with_the_ledgers_own_key_is_reported_as_a_fork()
    {
        using var f = Fixture();
        await AppendAsync(f, 3);
        var witnessed = await AppendAsync(f, 4);
        CutBack(f, keep: 3);
        var rewritten = await AppendAsync(f, 6, reference: "rewritten");

        Assert.True((await f.LedgerService.VerifyAsync(null, null, Ct)).Intact, "the rewrite is signed with the real key");
        var report = await f.LedgerService.VerifyAsync(null, witnessed, null, Ct);
        Assert.Equal(LedgerProblemKind.ForkedFromWitnessedHead, Assert.Single(report.Problems).Kind);

        var proof = (await f.LedgerService.GetConsistencyProofAsync(witnessed.TreeSize, rewritten.TreeSize, Ct)).Value;
        Assert.Equal(LedgerProblemKind.ForkedFromWitnessedHead, Assert.Single(AuditLedger.CheckWitnessedHead(witnessed, rewritten, proof, f.SigningKey.VerificationKey)).Kind);
    }

    [Fact]
    public async Task A_witnessed_head_not_signed_by_the_trusted_key_proves_nothing()
    {
        using var f = Fixture();
        var head = await AppendAsync(f, 2);
        using var other = LedgerSigningKey.Generate();
        var forged = other.Sign(head.TreeSize + 10, head.RootHash, head.Timestamp);

        Assert.Equal(LedgerProblemKind.WitnessedHeadNotAuthentic, Assert.Single((await f.LedgerService.VerifyAsync(null, forged, null, Ct)).Problems).Kind);
        Assert.Equal(LedgerProblemKind.WitnessedHeadNotAuthentic, Assert.Single(AuditLedger.CheckWitnessedHead(forged, head, null, f.SigningKey.VerificationKey)).Kind);
        var tampered = head with { TreeSize = head.TreeSize + 1 };
        Assert.Equal(LedgerProblemKind.WitnessedHeadNotAuthentic, Assert.Single(AuditLedger.CheckWitnessedHead(tampered, head, null, f.SigningKey.VerificationKey)).Kind);
    }

    /// <summary>Removes every entry from <paramref name="keep"/> on with the heads and subtree hashes that cover them.</summary>
    private static void CutBack(GovernanceFixture f, int keep) =>
        RawDatabase.Tamper(f, $"""
            DELETE FROM ledger_entries WHERE seq >= {keep};
            DELETE FROM ledger_heads WHERE tree_size > {keep};
            DELETE FROM ledger_nodes WHERE (idx + 1) * (1 << level) > {keep};
            """);

    private static async Task<SignedTreeHead> AppendAsync(GovernanceFixture f, int count, string reference = "ref")
    {
        var events = Enumerable.Range(0, count).Select(i => new AuditEvent("test:writer", AuditAction.Read, FaceImage, SubjectId.Parse($"sub-{i}"), reference: $"{reference}-{i}")).ToList();
        f.Clock.Advance(TimeSpan.FromSeconds(1));
        SignedTreeHead? head = null;
        foreach (var e in events)
        {
            head = await f.Store.WriteAsync((s, ct) => f.Ledger.AppendAsync(s, [e], ct), Ct);
        }

        return head!;
    }
}
