using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Governance.Budgets;
using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.Privacy;
using Obscura.Privacy.Accounting;
using Obscura.TestSupport;

namespace Obscura.Storage.Tests;

/// <summary>
/// An insider with the database rewrites a decision-relevant row <em>and</em> the content hash that its committing
/// ledger entry records, so that the row matches the entry again. The per-read check must still refuse it: the
/// rewritten entry's leaf hash has no inclusion proof under the latest head signed with the ledger's key.
/// </summary>
public abstract class EntryRewriteTests(StorageBackend backend) : BackendTests(backend)
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly SubjectId Alice = SubjectId.Parse("alice");

    [Fact]
    public async Task A_withdrawal_rewritten_with_its_ledger_entry_does_not_make_processing_allowed()
    {
        using var f = Fixture();
        var verification = await GrantThenWithdrawAsync(f);
        var withdrawal = await LatestCommitmentAsync(f, RecordTables.ConsentEvents, Alice, verification);

        Assert.True(RawDatabase.Tamper(f, "UPDATE consent_events SET kind = 1, notice_version = 'n1', explicit = 1, channel = 'app' WHERE kind = 2") == 1);
        await RewriteCommitmentAsync(f, RecordTables.ConsentEvents, withdrawal);

        var decision = await f.Governance.AuthorizeAsync(Alice, verification, null, Ct);
        Assert.False(decision.Allowed);
        Assert.Equal([DenialReason.RecordNotCommitted], decision.Reasons);
        Assert.Contains((await f.LedgerService.VerifyAsync(null, null, Ct)).Problems, p => p.Kind == LedgerProblemKind.EntriesDoNotMatchSignedHead);
    }

    [Fact]
    public async Task An_api_key_unrevoked_with_its_ledger_entry_does_not_authenticate()
    {
        using var f = Fixture();
        var keys = new ApiKeys(f.Store, f.Ledger, f.Clock);
        var gone = (await keys.CreateAsync("gone", Role.Auditor, null, Ct)).Value.Key;
        Assert.True((await keys.RevokeAsync(GovernanceFixture.Admin, "gone", Ct)).Succeeded);
        var revocation = await f.Store.ReadAsync((s, ct) => s.GetLatestCommitmentAsync(RecordTables.ApiKeys, ct), Ct);

        Assert.True(RawDatabase.Tamper(f, "UPDATE api_keys SET revoked_at = NULL WHERE name = 'gone'") == 1);
        await RewriteCommitmentAsync(f, RecordTables.ApiKeys, revocation!);

        Assert.Null(await keys.AuthenticateAsync(gone, Ct));
    }

    [Fact]
    public async Task A_charge_lowered_with_its_ledger_entry_does_not_refill_the_budget()
    {
        using var f = Fixture();
        await f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.StoreAnalytics, Ct);
        var budgets = new PrivacyBudgetLedger(f.Store, f.Ledger, f.Clock);
        Assert.True((await budgets.SetAsync(GovernanceFixture.Admin, "visits", SamplePurposes.StoreAnalytics.Id, 1.0, 0, Ct)).Succeeded);
        var cost = new PrivacyCost.Pure(Rational.Of(3, 4));
        Assert.True((await budgets.ChargeAsync(GovernanceFixture.Admin, "visits", SamplePurposes.StoreAnalytics.Id, cost, "count", Ct)).Succeeded);
        var charge = await LatestCommitmentAsync(f, RecordTables.PrivacyCharges, null, SamplePurposes.StoreAnalytics.Id);

        Assert.True(RawDatabase.Tamper(f, "UPDATE privacy_charges SET numerator = '1', denominator = '1000'") == 1);
        await RewriteCommitmentAsync(f, RecordTables.PrivacyCharges, charge);

        var refused = await budgets.ChargeAsync(GovernanceFixture.Admin, "visits", SamplePurposes.StoreAnalytics.Id, cost, "count", Ct);
        Assert.Equal(GovernanceErrorKind.Refused, refused.Error?.Kind);
        Assert.Contains("audit ledger", refused.Error!.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A process that has proven nothing yet (a fresh <see cref="AuditLedger"/> over the same database) refuses every
    /// decision while the latest head's signature is not the ledger key's: the proofs are only as good as the head.
    /// </summary>
    [Fact]
    public async Task A_head_not_signed_with_the_ledgers_key_proves_no_record()
    {
        using var f = Fixture();
        var verification = SamplePurposes.IdentityVerification.Id;
        await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, Alice, Ct);
        await f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.IdentityVerification, Ct);
        await f.Governance.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(Alice, verification, "n1", true, "app"), Ct);
        Assert.True((await f.Governance.AuthorizeAsync(Alice, verification, null, Ct)).Allowed);
        var fresh = new GovernanceService(f.Store, new AuditLedger(f.SigningKey, f.Clock), f.Clock);
        Assert.True((await fresh.AuthorizeAsync(Alice, verification, null, Ct)).Allowed);

        Assert.True(RawDatabase.Tamper(f, "UPDATE ledger_heads SET signature = zeroblob(64) WHERE tree_size = (SELECT MAX(tree_size) FROM ledger_heads)") == 1);

        var other = new GovernanceService(f.Store, new AuditLedger(f.SigningKey, f.Clock), f.Clock);
        Assert.Equal([DenialReason.RecordNotCommitted], (await other.AuthorizeAsync(Alice, verification, null, Ct)).Reasons);
    }

    /// <summary>
    /// Deleting a withdrawal together with its ledger entry is not caught on read (nothing is left to prove), but full
    /// verification reports it: the documented limit of the per-read check.
    /// </summary>
    [Fact]
    public async Task A_withdrawal_deleted_with_its_ledger_entry_is_reported_by_verification()
    {
        using var f = Fixture();
        var verification = await GrantThenWithdrawAsync(f);
        var withdrawal = await LatestCommitmentAsync(f, RecordTables.ConsentEvents, Alice, verification);
        await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, SubjectId.Parse("bob"), Ct);

        Assert.True(RawDatabase.Tamper(f, "DELETE FROM consent_events WHERE kind = 2; DELETE FROM ledger_entries WHERE seq = $s", ("$s", withdrawal.Sequence)) >= 1);

        Assert.True((await f.Governance.AuthorizeAsync(Alice, verification, null, Ct)).Allowed, "the per-read check now catches deletions: update this test and the docs");
        var report = await f.LedgerService.VerifyAsync(null, null, Ct);
        Assert.False(report.Intact);
        Assert.Contains(report.Problems, p => p.Kind == LedgerProblemKind.EntryMissing && p.FirstSequence == withdrawal.Sequence);
    }

    private static async Task<PurposeId> GrantThenWithdrawAsync(GovernanceFixture f)
    {
        var verification = SamplePurposes.IdentityVerification.Id;
        await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, Alice, Ct);
        await f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.IdentityVerification, Ct);
        await f.Governance.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(Alice, verification, "n1", true, "app"), Ct);
        Assert.True((await f.Governance.AuthorizeAsync(Alice, verification, null, Ct)).Allowed);
        await f.Governance.WithdrawConsentAsync(GovernanceFixture.Admin, Alice, verification, Ct);
        Assert.False((await f.Governance.AuthorizeAsync(Alice, verification, null, Ct)).Allowed);
        return verification;
    }

    private static async Task<AuditEntry> LatestCommitmentAsync(GovernanceFixture f, string table, SubjectId? subject, PurposeId purpose) =>
        (await f.Store.ReadAsync((s, ct) => s.GetCommitmentsAsync(table, subject, purpose, ct), Ct))[^1];

    /// <summary>Sets the content hash of <paramref name="entry"/> to the hash of its row as it now reads: the row check then passes.</summary>
    private static async Task RewriteCommitmentAsync(GovernanceFixture f, string table, AuditEntry entry)
    {
        var key = entry.Event.Commitment!.Key;
        var rows = await f.Store.ReadAsync((s, ct) => s.FindRecordsAsync(table, [key], ct), Ct);
        Assert.False(rows[key].AsSpan().SequenceEqual(entry.Event.Commitment.ContentHash), "the row was not changed; the attack is void");
        Assert.Equal(1, RawDatabase.Tamper(f, "UPDATE ledger_entries SET content_hash = $h WHERE seq = $s", ("$h", rows[key]), ("$s", entry.Sequence)));
    }
}
