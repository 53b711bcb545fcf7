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
/// Raw-SQL attacks on the decision-relevant tables (issue 12, finding 9): every inserted, changed or deleted row of
/// subjects, purposes, consent, objections, assessments, API keys and privacy budgets must be reported by ledger
/// verification, because each row is committed to the ledger by the hash of its full content.
/// </summary>
public abstract class RecordTamperingTests(StorageBackend backend) : BackendTests(backend)
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly SubjectId Alice = SubjectId.Parse("alice");
    private static readonly SubjectId Bob = SubjectId.Parse("bob");

    /// <summary>Each attack: the table, what is done, and the SQL an attacker with the database file runs.</summary>
    private static readonly (string Table, string Operation, string Sql)[] Attacks =
    [
        ("subjects", "insert", "INSERT INTO subjects (id, registered_at) VALUES ('mallory', 0)"),
        ("subjects", "update", "UPDATE subjects SET registered_at = registered_at - 86400000 WHERE id = 'alice'"),
        ("subjects", "delete", "DELETE FROM subjects WHERE id = 'bob'"),
        ("purposes", "insert", "INSERT INTO purposes (id, definition, registered_at) SELECT 'forged-purpose', replace(definition, 'store-analytics', 'forged-purpose'), registered_at FROM purposes WHERE id = 'store-analytics'"),
        ("purposes", "update", "UPDATE purposes SET definition = replace(definition, '\"retention\":30', '\"retention\":3000') WHERE id = 'store-analytics'"),
        ("purposes", "delete", "DELETE FROM purposes WHERE id = 'store-analytics'"),
        ("consent_events", "insert", "INSERT INTO consent_events (id, subject, purpose, kind, at, notice_version, explicit, channel, actor) VALUES ('con_forged', 'alice', 'identity-verification', 1, 0, 'n9', 1, 'app', 'test:admin')"),
        ("consent_events", "update", "UPDATE consent_events SET kind = 1, notice_version = 'n1', explicit = 1, channel = 'app' WHERE kind = 2"),
        ("consent_events", "reorder", "UPDATE consent_events SET seq = -seq; UPDATE consent_events SET seq = (SELECT MAX(-seq) FROM consent_events) + (SELECT MIN(-seq) FROM consent_events) + seq WHERE seq < 0"),
        ("consent_events", "delete", "DELETE FROM consent_events WHERE kind = 2"),
        ("objection_events", "insert", "INSERT INTO objection_events (id, subject, purpose, kind, at, actor) VALUES ('obj_forged', 'alice', 'store-analytics', 2, 0, 'test:admin')"),
        ("objection_events", "update", "UPDATE objection_events SET kind = 2"),
        ("objection_events", "delete", "DELETE FROM objection_events"),
        ("assessments", "insert", "INSERT INTO assessments (id, from_purpose, to_purpose, draft, assessed_at) SELECT 'asm_forged', from_purpose, to_purpose, draft, assessed_at + 1 FROM assessments"),
        ("assessments", "update", "UPDATE assessments SET draft = replace(draft, '\"Incompatible\"', '\"Compatible\"')"),
        ("assessments", "retarget", "UPDATE assessments SET to_purpose = 'store-analytics'"),
        ("assessments", "delete", "DELETE FROM assessments"),
        ("api_keys", "insert", "INSERT INTO api_keys (id, name, role, subject, secret_hash, created_at, revoked_at) SELECT 'forgedid', 'forged', 1, NULL, secret_hash, created_at, NULL FROM api_keys WHERE name = 'ops'"),
        ("api_keys", "update", "UPDATE api_keys SET role = 1 WHERE name = 'dpo'"),
        ("api_keys", "unrevoke", "UPDATE api_keys SET revoked_at = NULL WHERE name = 'gone'"),
        ("api_keys", "delete", "DELETE FROM api_keys WHERE name = 'gone'"),
        ("privacy_budgets", "insert", "INSERT INTO privacy_budgets (dataset, purpose, epsilon, delta, created_at) VALUES ('visits-forged', 'store-analytics', 100, 0, 0)"),
        ("privacy_budgets", "update", "UPDATE privacy_budgets SET epsilon = 100"),
        ("privacy_budgets", "delete", "DELETE FROM privacy_budgets"),
        ("privacy_charges", "insert", "INSERT INTO privacy_charges (dataset, purpose, concentrated, numerator, denominator, query, charged_at) VALUES ('visits', 'store-analytics', 0, '1', '1000', 'count', 0)"),
        ("privacy_charges", "update", "UPDATE privacy_charges SET numerator = '1', denominator = '1000'"),
        ("privacy_charges", "delete", "DELETE FROM privacy_charges"),
    ];

    public static TheoryData<int> AttackRows() => new(Enumerable.Range(0, Attacks.Length));

    [Fact]
    public async Task A_ledger_over_untouched_records_verifies()
    {
        using var f = Fixture();
        await PopulateAsync(f);
        var report = await f.LedgerService.VerifyAsync(null, null, Ct);
        Assert.True(report.Intact, string.Join("; ", report.Problems.Select(p => p.Message)));
    }

    [Theory]
    [MemberData(nameof(AttackRows))]
    public async Task Inserting_changing_or_deleting_a_decision_relevant_row_is_reported(int row)
    {
        var (table, operation, sql) = Attacks[row];
        using var f = Fixture();
        await PopulateAsync(f);
        var changed = RawDatabase.Tamper(f, sql);
        Assert.True(changed > 0, $"the {operation} of {table} changed nothing; the attack is void");

        var report = await f.LedgerService.VerifyAsync(null, null, Ct);
        Assert.False(report.Intact, $"{operation} of a {table} row went unnoticed");
        var expected = operation switch
        {
            "insert" => LedgerProblemKind.RecordNotInLedger,
            "delete" => LedgerProblemKind.CommittedRecordMissing,
            _ => LedgerProblemKind.RecordDoesNotMatchLedger,
        };
        // One problem per row touched (a reorder touches two), each naming the row.
        Assert.InRange(report.Problems.Count, 1, operation == "reorder" ? 2 : 1);
        Assert.All(report.Problems, p =>
        {
            Assert.Equal(expected, p.Kind);
            Assert.StartsWith(table + "/", p.Record, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_consent_row_inserted_behind_the_ledgers_back_does_not_make_processing_allowed()
    {
        using var f = Fixture();
        await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, Alice, Ct);
        await f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.IdentityVerification, Ct);
        Assert.False((await f.Governance.AuthorizeAsync(Alice, SamplePurposes.IdentityVerification.Id, null, Ct)).Allowed);

        // No trigger stands in the way of an insert: the history tables are append-only, not write-protected.
        RawDatabase.Execute(f, "INSERT INTO consent_events (id, subject, purpose, kind, at, notice_version, explicit, channel, actor) VALUES ('con_forged', 'alice', 'identity-verification', 1, 0, 'n9', 1, 'app', 'test:admin')");

        Assert.Equal([DenialReason.RecordNotCommitted], (await f.Governance.AuthorizeAsync(Alice, SamplePurposes.IdentityVerification.Id, null, Ct)).Reasons);
        Assert.Contains((await f.LedgerService.VerifyAsync(null, null, Ct)).Problems, p => p.Kind == LedgerProblemKind.RecordNotInLedger);
    }

    [Theory]
    [InlineData("UPDATE consent_events SET kind = 1, notice_version = 'n1', explicit = 1, channel = 'app' WHERE kind = 2")]
    [InlineData("DELETE FROM consent_events WHERE kind = 2")]
    [InlineData("UPDATE consent_events SET seq = -seq; UPDATE consent_events SET seq = 3 + seq WHERE seq < 0")]
    public async Task A_withdrawal_undone_outside_Obscura_does_not_make_processing_allowed(string sql)
    {
        using var f = Fixture();
        var verification = await GrantThenWithdrawAsync(f);

        Assert.True(RawDatabase.Tamper(f, sql) > 0);

        var decision = await f.Governance.AuthorizeAsync(Alice, verification, null, Ct);
        Assert.False(decision.Allowed);
        Assert.Contains(DenialReason.RecordNotCommitted, decision.Reasons);
    }

    /// <summary>
    /// A second row that reads back under a committed row's key: the same id stored as a blob (which the unique
    /// index holds apart from the text), a plain copy in a table rebuilt without the index, or the id of Bob's grant
    /// as a blob on a row about Alice (so no key repeats in Alice's history). Each comes after the withdrawal, so the
    /// history the decision reads ends in a grant, while the lookup by key finds a genuine, committed grant.
    /// </summary>
    [Theory]
    [InlineData("INSERT INTO consent_events (id, subject, purpose, kind, at, notice_version, explicit, channel, actor) SELECT CAST(id AS BLOB), 'alice', purpose, kind, at, notice_version, explicit, channel, actor FROM consent_events WHERE subject = 'bob'")]
    [InlineData("INSERT INTO consent_events (id, subject, purpose, kind, at, notice_version, explicit, channel, actor) SELECT CAST(id AS BLOB), subject, purpose, kind, at, notice_version, explicit, channel, actor FROM consent_events WHERE kind = 1 AND subject = 'alice'")]
    [InlineData("CREATE TABLE copy AS SELECT * FROM consent_events; DROP TABLE consent_events; CREATE TABLE consent_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, subject TEXT NOT NULL, purpose TEXT NOT NULL, kind INTEGER NOT NULL, at INTEGER NOT NULL, notice_version TEXT NOT NULL, explicit INTEGER NOT NULL, channel TEXT NOT NULL, actor TEXT NOT NULL); INSERT INTO consent_events SELECT * FROM copy; DROP TABLE copy; INSERT INTO consent_events (id, subject, purpose, kind, at, notice_version, explicit, channel, actor) SELECT id, subject, purpose, kind, at, notice_version, explicit, channel, actor FROM consent_events WHERE kind = 1 AND subject = 'alice'")]
    public async Task A_copy_of_a_committed_grant_under_its_own_key_does_not_revive_withdrawn_consent(string sql)
    {
        using var f = Fixture();
        var verification = await GrantThenWithdrawAsync(f);
        await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, Bob, Ct);
        await f.Governance.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(Bob, verification, "n1", true, "app"), Ct);
        if (Backend == StorageBackend.Postgres)
        {
            // A text column holds no blob: the bytea id is stored as its text form ('\x…'), a key nothing committed.
            // Rebuilding the table without its unique index becomes dropping the constraint.
            sql = sql.StartsWith("CREATE TABLE copy", StringComparison.Ordinal)
                ? "ALTER TABLE consent_events DROP CONSTRAINT consent_events_id_key; " + sql[sql.LastIndexOf("INSERT INTO", StringComparison.Ordinal)..]
                : sql.Replace("AS BLOB", "AS BYTEA", StringComparison.Ordinal);
        }

        Assert.True(RawDatabase.Tamper(f, sql) > 0);

        var decision = await f.Governance.AuthorizeAsync(Alice, verification, null, Ct);
        Assert.Equal([DenialReason.RecordNotCommitted], decision.Reasons);
        // On PostgreSQL the bytea copies are rows under keys nothing committed (RecordNotInLedger).
        var expected = Backend == StorageBackend.Postgres && sql.Contains("AS BYTEA", StringComparison.Ordinal) ? LedgerProblemKind.RecordNotInLedger : LedgerProblemKind.RecordDoesNotMatchLedger;
        Assert.Contains((await f.LedgerService.VerifyAsync(null, null, Ct)).Problems, p => p.Kind == expected && p.Record!.StartsWith("consent_events/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("DELETE FROM assessments WHERE draft LIKE '%\"Incompatible\"%'")]
    [InlineData("UPDATE assessments SET draft = replace(draft, '\"Incompatible\"', '\"Compatible\"')")]
    public async Task An_incompatible_assessment_undone_outside_Obscura_does_not_allow_the_reuse(string sql)
    {
        using var f = Fixture();
        var admin = GovernanceFixture.Admin;
        await f.Governance.RegisterSubjectAsync(admin, Alice, Ct);
        await f.Governance.RegisterPurposeAsync(admin, SamplePurposes.IdentityVerification, Ct);
        await f.Governance.RegisterPurposeAsync(admin, SamplePurposes.ModelTraining, Ct);
        await f.Governance.RecordAssessmentAsync(admin, SamplePurposes.TrainingReuseAssessment, Ct);
        await f.Governance.RecordAssessmentAsync(admin, SamplePurposes.TrainingReuseAssessment with { Outcome = Governance.Assessments.CompatibilityOutcome.Incompatible }, Ct);
        Assert.Equal([DenialReason.ReuseIncompatible], (await f.Governance.AuthorizeAsync(Alice, SamplePurposes.ModelTraining.Id, SamplePurposes.IdentityVerification.Id, Ct)).Reasons);

        Assert.True(RawDatabase.Tamper(f, sql) > 0);

        Assert.Equal([DenialReason.RecordNotCommitted], (await f.Governance.AuthorizeAsync(Alice, SamplePurposes.ModelTraining.Id, SamplePurposes.IdentityVerification.Id, Ct)).Reasons);
    }

    [Theory]
    [InlineData("INSERT INTO api_keys (id, name, role, subject, secret_hash, created_at, revoked_at) SELECT 'FORGEDID', 'forged', 1, NULL, secret_hash, created_at, NULL FROM api_keys WHERE name = 'gone'", "obk_FORGEDID_")]
    [InlineData("UPDATE api_keys SET revoked_at = NULL WHERE name = 'gone'", null)]
    [InlineData("UPDATE api_keys SET role = 1 WHERE name = 'gone'; UPDATE api_keys SET revoked_at = NULL WHERE name = 'gone'", null)]
    public async Task An_api_key_forged_or_unrevoked_outside_Obscura_does_not_authenticate(string sql, string? forgedPrefix)
    {
        using var f = Fixture();
        var keys = NewApiKeys(f);
        var gone = (await keys.CreateAsync("gone", Role.Auditor, null, Ct)).Value.Key;
        Assert.NotNull(await keys.AuthenticateAsync(gone, Ct));
        Assert.True(await RevokeAsync(keys, "gone"));

        Assert.True(RawDatabase.Tamper(f, sql) > 0);

        // The forged row reuses the revoked key's secret hash, so the attacker knows a secret that matches it.
        var presented = forgedPrefix is null ? gone : forgedPrefix + gone.Split('_')[2];
        Assert.Null(await keys.AuthenticateAsync(presented, Ct));
    }

    [Fact]
    public async Task A_privacy_budget_raised_outside_Obscura_refuses_further_charges()
    {
        using var f = Fixture();
        var budgets = await VisitsBudgetAsync(f);
        var cost = new PrivacyCost.Pure(Rational.Of(1, 2));
        Assert.True((await budgets.ChargeAsync(GovernanceFixture.Admin, "visits", SamplePurposes.StoreAnalytics.Id, cost, "count", Ct)).Succeeded);

        Assert.True(RawDatabase.Tamper(f, "UPDATE privacy_budgets SET epsilon = 100") > 0);

        var refused = await budgets.ChargeAsync(GovernanceFixture.Admin, "visits", SamplePurposes.StoreAnalytics.Id, cost, "count", Ct);
        Assert.Equal(GovernanceErrorKind.Refused, refused.Error?.Kind);
        Assert.Contains("audit ledger", refused.Error!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DELETE FROM privacy_charges")]
    [InlineData("UPDATE privacy_charges SET numerator = '1', denominator = '1000'")]
    [InlineData("UPDATE privacy_charges SET dataset = 'elsewhere'")]
    public async Task A_charge_deleted_or_lowered_outside_Obscura_does_not_refill_the_budget(string sql)
    {
        using var f = Fixture();
        var budgets = await VisitsBudgetAsync(f);
        var cost = new PrivacyCost.Pure(Rational.Of(3, 4));
        Assert.True((await budgets.ChargeAsync(GovernanceFixture.Admin, "visits", SamplePurposes.StoreAnalytics.Id, cost, "count", Ct)).Succeeded);

        Assert.True(RawDatabase.Tamper(f, sql) > 0);

        // Without the tampering this second charge would not fit (3/4 + 3/4 > 1) either; it must not fit with it,
        // and the budget's status must not show it refilled.
        var refused = await budgets.ChargeAsync(GovernanceFixture.Admin, "visits", SamplePurposes.StoreAnalytics.Id, cost, "count", Ct);
        Assert.Equal(GovernanceErrorKind.Refused, refused.Error?.Kind);
        Assert.Contains("audit ledger", refused.Error!.Message, StringComparison.Ordinal);
        var status = await budgets.GetStatusAsync("visits", SamplePurposes.StoreAnalytics.Id, Ct);
        Assert.Equal(GovernanceErrorKind.Refused, status.Error?.Kind);
        Assert.Contains("audit ledger", status.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(GovernanceErrorKind.Refused, (await budgets.GetHistoryAsync("visits", SamplePurposes.StoreAnalytics.Id, Ct)).Error?.Kind); // nor its spend plot
    }

    [Fact]
    public async Task A_budget_deleted_outside_Obscura_cannot_be_set_again()
    {
        using var f = Fixture();
        var budgets = await VisitsBudgetAsync(f);

        Assert.True(RawDatabase.Tamper(f, "DELETE FROM privacy_budgets") > 0);

        var refused = await budgets.SetAsync(GovernanceFixture.Admin, "visits", SamplePurposes.StoreAnalytics.Id, 100, 0, Ct);
        Assert.Equal(GovernanceErrorKind.Refused, refused.Error?.Kind);
        Assert.Contains("audit ledger", refused.Error!.Message, StringComparison.Ordinal);
        Assert.True((await budgets.SetAsync(GovernanceFixture.Admin, "other", SamplePurposes.StoreAnalytics.Id, 1.0, 0, Ct)).Succeeded);
    }

    /// <summary>Registers Alice and identity verification, then gives and withdraws her consent; returns the purpose.</summary>
    private static async Task<PurposeId> GrantThenWithdrawAsync(GovernanceFixture f)
    {
        var verification = SamplePurposes.IdentityVerification.Id;
        await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, Alice, Ct);
        await f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.IdentityVerification, Ct);
        await f.Governance.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(Alice, verification, "n1", true, "app"), Ct);
        await f.Governance.WithdrawConsentAsync(GovernanceFixture.Admin, Alice, verification, Ct);
        return verification;
    }

    /// <summary>Registers store analytics and sets the budget ε = 1, δ = 0 of the dataset <c>visits</c> for it.</summary>
    private static async Task<PrivacyBudgetLedger> VisitsBudgetAsync(GovernanceFixture f)
    {
        await f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.StoreAnalytics, Ct);
        var budgets = new PrivacyBudgetLedger(f.Store, f.Ledger, f.Clock);
        Assert.True((await budgets.SetAsync(GovernanceFixture.Admin, "visits", SamplePurposes.StoreAnalytics.Id, 1.0, 0, Ct)).Succeeded);
        return budgets;
    }

    [Fact]
    public void Every_column_of_every_committed_table_is_hashed()
    {
        using var f = Fixture();
        var tables = Backend == StorageBackend.Postgres ? Relational.RecordTableSql.Postgres : Relational.RecordTableSql.Sqlite;
        Assert.Equal(RecordTables.RowByRow.Append(RecordTables.AccessLog).Order(), tables.All.Select(t => t.Name).Order());
        foreach (var table in tables.All)
        {
            Assert.Equal(RawDatabase.Columns(f, table.Name).Order(), table.Columns.Order());
        }
    }

    [Fact]
    public async Task Entries_that_commit_no_row_keep_the_version_1_leaf_encoding_and_committing_ones_use_version_2()
    {
        using var f = Fixture();
        var plain = new AuditEvent("test:writer", AuditAction.Read, DataCategory.Parse("face-image"), Alice, reference: "ref-1");
        var entry = new AuditEntry(7, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), plain);
        var bytes = entry.ToCanonicalBytes();
        Assert.Equal(1, bytes[0]);
        Assert.Equal(18 + (2 + 11) + (2 + 10) + (2 + 5) + 2 + 2 + 2 + (2 + 5), bytes.Length);

        await f.Governance.RegisterSubjectAsync(GovernanceFixture.Admin, Alice, Ct);
        var committed = (await f.LedgerService.GetEntriesAsync(0, 1, Ct)).Value!.Single();
        Assert.Equal(RecordTables.Subjects, committed.Event.Commitment!.Table);
        Assert.Equal(2, committed.ToCanonicalBytes()[0]);
        Assert.Equal(committed.Event.Commitment.ContentHash, committed.ToCanonicalBytes()[^32..]);
    }

    private static async Task PopulateAsync(GovernanceFixture f)
    {
        var admin = GovernanceFixture.Admin;
        var g = f.Governance;
        await g.RegisterSubjectAsync(admin, Alice, Ct);
        await g.RegisterSubjectAsync(admin, Bob, Ct);
        foreach (var p in new[] { SamplePurposes.IdentityVerification, SamplePurposes.ModelTraining, SamplePurposes.StoreAnalytics })
        {
            Assert.True((await g.RegisterPurposeAsync(admin, p, Ct)).Succeeded);
        }

        var verification = SamplePurposes.IdentityVerification.Id;
        Assert.True((await g.GiveConsentAsync(admin, new ConsentGrant(Alice, verification, "n1", true, "app"), Ct)).Succeeded);
        f.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await g.WithdrawConsentAsync(admin, Alice, verification, Ct)).Succeeded);
        Assert.True((await g.ObjectAsync(admin, Alice, SamplePurposes.StoreAnalytics.Id, Ct)).Succeeded);
        Assert.True((await g.RecordAssessmentAsync(admin, SamplePurposes.TrainingReuseAssessment with { Outcome = Governance.Assessments.CompatibilityOutcome.Incompatible }, Ct)).Succeeded);

        var keys = NewApiKeys(f);
        Assert.True((await keys.CreateAsync("ops", Role.Controller, null, Ct)).Succeeded);
        Assert.True((await keys.CreateAsync("dpo", Role.Auditor, null, Ct)).Succeeded);
        Assert.True((await keys.CreateAsync("gone", Role.Auditor, null, Ct)).Succeeded);
        Assert.True(await RevokeAsync(keys, "gone"));

        var budgets = new PrivacyBudgetLedger(f.Store, f.Ledger, f.Clock);
        Assert.True((await budgets.SetAsync(admin, "visits", SamplePurposes.StoreAnalytics.Id, 1.0, 0, Ct)).Succeeded);
        Assert.True((await budgets.ChargeAsync(admin, "visits", SamplePurposes.StoreAnalytics.Id, new PrivacyCost.Pure(Rational.Of(1, 2)), "count", Ct)).Succeeded);
    }

    private static ApiKeys NewApiKeys(GovernanceFixture f) => new(f.Store, f.Ledger, f.Clock);

    private static async Task<bool> RevokeAsync(ApiKeys keys, string name) => (await keys.RevokeAsync(GovernanceFixture.Admin, name, Ct)).Succeeded;
}
