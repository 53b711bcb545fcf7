using Obscura.Governance.Accountability;
using Obscura.TestSupport;

namespace Obscura.Storage.Tests;

/// <summary>
/// Raw-SQL attacks on <c>purpose_documents</c> (issue 16) on each backend: a failed legitimate-interests assessment
/// turned into a passed one, the latest assessment deleted so an older one is back in force, and a forged visitor
/// objection inserted. Every read of the purpose's documents — the summary, the visitors' objections and the records
/// of processing — throws <see cref="DocumentNotCommittedException"/> instead of serving them.
/// </summary>
public abstract class PurposeDocumentTamperingTests(StorageBackend backend) : BackendTests(backend)
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    public static TheoryData<string, string> Attacks() => new()
    {
        { "update", "UPDATE purpose_documents SET body = replace(body, '\"outcome\":\"Failed\"', '\"outcome\":\"Passed\"') WHERE kind = 'legitimate-interests-assessment'" },
        { "delete", "DELETE FROM purpose_documents WHERE kind = 'legitimate-interests-assessment' AND body LIKE '%\"outcome\":\"Failed\"%'" },
        { "insert", "INSERT INTO purpose_documents (id, purpose, kind, body, recorded_at, actor) SELECT 'vob_forged', purpose, kind, body, recorded_at, actor FROM purpose_documents WHERE kind = 'visitor-objection'" },
    };

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task A_purpose_document_row_changed_in_the_database_is_refused_on_every_read(string attack, string sql)
    {
        using var f = Fixture();
        var accountability = new AccountabilityService(f.Store, f.Ledger, f.Clock);
        var purpose = SamplePurposes.StoreAnalytics.Id;
        await f.Governance.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.StoreAnalytics, Ct);
        Assert.True((await accountability.RecordLegitimateInterestsAsync(GovernanceFixture.Admin, SampleAccountability.Lia(purpose), Ct)).Succeeded);
        Assert.True((await accountability.RecordLegitimateInterestsAsync(GovernanceFixture.Admin, SampleAccountability.Lia(purpose, LegitimateInterestsOutcome.Failed), Ct)).Succeeded);
        Assert.True((await accountability.RecordVisitorObjectionAsync(GovernanceFixture.Admin, new VisitorObjectionDraft(purpose, "store-17", new DateOnly(2026, 1, 5), "kiosk"), Ct)).Succeeded);
        Assert.Equal(LegitimateInterestsOutcome.Failed, (await accountability.GetAsync(purpose, Ct)).Value!.LegitimateInterests!.Outcome);

        Assert.True(RawDatabase.Tamper(f, sql) > 0, $"the {attack} changed nothing; the attack is void");

        await Assert.ThrowsAsync<DocumentNotCommittedException>(() => accountability.GetAsync(purpose, Ct));
        await Assert.ThrowsAsync<DocumentNotCommittedException>(() => accountability.ListVisitorObjectionsAsync(GovernanceFixture.Admin, purpose, null, 100, Ct));
        await Assert.ThrowsAsync<DocumentNotCommittedException>(() => f.Governance.GetRecordsOfProcessingAsync(Ct));
    }
}
