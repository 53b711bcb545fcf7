using System.Net;
using System.Text.Json;
using Obscura.Governance.Access;
using Obscura.Governance.Accountability;
using Obscura.Governance.Purposes;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// The accountability documents of the store-analytics purpose (issue 16, "Law, built in"): legitimate-interests
/// assessment, DPIA, Art. 36 prior consultation and Art. 28 processor reviews with their checklist, through the real
/// server; what is missing or incomplete is a gap in the accountability summary and in the records of processing.
/// </summary>
public sealed class StoreAccountabilityEndpointTests : IClassFixture<ServerFixture>
{
    private static readonly PurposeId Store = SamplePurposes.StoreAnalytics.Id;
    private readonly ServerFixture _server;

    public StoreAccountabilityEndpointTests(ServerFixture server)
    {
        _server = server;
        using var controller = server.As(Role.Controller);
        controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.StoreAnalytics)).GetAwaiter().GetResult();
        controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.IdentityVerification)).GetAwaiter().GetResult();
    }

    internal static LegitimateInterestsAssessment Lia(LegitimateInterestsOutcome outcome = LegitimateInterestsOutcome.Passed) => SampleAccountability.Lia(Store, outcome);

    internal static ImpactAssessment Dpia(ResidualRisk residual = ResidualRisk.High) => SampleAccountability.Dpia(Store, residual);

    internal static PriorConsultation Consultation(ConsultationOutcome outcome) => SampleAccountability.Consultation(Store, outcome);

    internal static ProcessorReview Review(string processor, bool complete) => SampleAccountability.Review(Store, processor, complete);

    [Fact]
    public async Task Gaps_close_as_the_controller_records_each_document_and_show_in_the_records_of_processing()
    {
        using var controller = _server.As(Role.Controller);
        var first = await SummaryAsync(controller);
        Assert.False(first.Complete);
        Assert.Contains(first.Gaps, g => g.Contains("Art. 6(1)(f)", StringComparison.Ordinal));
        Assert.Contains(first.Gaps, g => g.Contains("Art. 35", StringComparison.Ordinal));
        Assert.Equal(2, first.Gaps.Count(g => g.Contains("Art. 28(1)", StringComparison.Ordinal)));

        await PostAsync(controller, "legitimate-interests", Lia());
        await PostAsync(controller, "impact-assessment", Dpia(ResidualRisk.High));
        await PostAsync(controller, "prior-consultation", Consultation(ConsultationOutcome.Pending));
        await PostAsync(controller, "processor-reviews", Review("Analytics Cloud GmbH", complete: true));
        await PostAsync(controller, "processor-reviews", Review("Insight Labs Inc.", complete: false));

        var middle = await SummaryAsync(controller);
        Assert.Equal(2, middle.Gaps.Count);
        Assert.Contains(middle.Gaps, g => g.Contains("pending", StringComparison.Ordinal));
        var open = Assert.Single(middle.Gaps, g => g.Contains("Insight Labs Inc.", StringComparison.Ordinal));
        Assert.Contains("confidentiality", open, StringComparison.Ordinal);
        Assert.DoesNotContain("documented-instructions", open, StringComparison.Ordinal);

        var markdown = await controller.GetStringAsync("/v1/records/markdown");
        Assert.Contains("Insight Labs Inc.: checklist INCOMPLETE", markdown, StringComparison.Ordinal);
        Assert.Contains("Integritetsskyddsmyndigheten (IMY), submitted 2026-03-10, Pending", markdown, StringComparison.Ordinal);

        await PostAsync(controller, "prior-consultation", Consultation(ConsultationOutcome.NoObjection));
        await PostAsync(controller, "processor-reviews", Review("Insight Labs Inc.", complete: true));
        var last = await SummaryAsync(controller);
        Assert.True(last.Complete, string.Join(" ", last.Gaps));
        await PostAsync(controller, "notice-particulars", SampleAccountability.Particulars(Store));
        Assert.Equal("Integritetsskyddsmyndigheten (IMY), www.imy.se", (await SummaryAsync(controller)).NoticeParticulars!.SupervisoryAuthority);
        Assert.Equal("DI-2026-0042", last.PriorConsultation!.Reference);

        using var records = JsonDocument.Parse(await controller.GetStringAsync("/v1/records"));
        var activity = records.RootElement.GetProperty("controllers").EnumerateArray().SelectMany(c => c.GetProperty("activities").EnumerateArray())
            .Single(a => a.GetProperty("purpose").GetString() == Store.Value).GetProperty("accountability");
        Assert.True(activity.GetProperty("complete").GetBoolean());
        Assert.Equal("Passed", activity.GetProperty("legitimateInterests").GetProperty("outcome").GetString());
        Assert.Contains("| Accountability gaps | none |", await controller.GetStringAsync("/v1/records/markdown"), StringComparison.Ordinal);

        // A failed LIA reopens a gap: the latest document is in force.
        await PostAsync(controller, "legitimate-interests", Lia(LegitimateInterestsOutcome.Failed));
        Assert.Contains((await SummaryAsync(controller)).Gaps, g => g.Contains("failed", StringComparison.Ordinal));
        await PostAsync(controller, "legitimate-interests", Lia());
    }

    public static TheoryData<string, string, string> InvalidDocuments() => new()
    {
        { "legitimate-interests", JsonSerializer.Serialize(Lia() with { NecessityTest = [] }, Governance.Serialization.GovernanceJson.Options), "necessityTest" },
        { "legitimate-interests", JsonSerializer.Serialize(Lia() with { BalancingTest = [new("Impact?", " ")] }, Governance.Serialization.GovernanceJson.Options), "balancingTest[0].answer" },
        { "impact-assessment", JsonSerializer.Serialize(Dpia() with { Risks = [] }, Governance.Serialization.GovernanceJson.Options), "risks" },
        { "prior-consultation", JsonSerializer.Serialize(Consultation(ConsultationOutcome.NoObjection) with { Reference = null }, Governance.Serialization.GovernanceJson.Options), "reference" },
        { "prior-consultation", JsonSerializer.Serialize(Consultation(ConsultationOutcome.NoObjection) with { DecidedOn = new DateOnly(2026, 1, 1) }, Governance.Serialization.GovernanceJson.Options), "decidedOn" },
        { "processor-reviews", JsonSerializer.Serialize(Review("Analytics Cloud GmbH", true) with { Checklist = [new ChecklistItem("security-measures", true)] }, Governance.Serialization.GovernanceJson.Options), "checklist[0].evidence" },
        { "processor-reviews", JsonSerializer.Serialize(Review("Nobody Ltd", true), Governance.Serialization.GovernanceJson.Options), "processor" },
        { "processor-reviews", JsonSerializer.Serialize(Review("Analytics Cloud GmbH", true) with { Purpose = PurposeId.Parse("identity-verification") }, Governance.Serialization.GovernanceJson.Options), "purpose" },
        { "notice-particulars", JsonSerializer.Serialize(SampleAccountability.Particulars(Store) with { ObjectionUrl = new Uri("http://retail.example/object") }, Governance.Serialization.GovernanceJson.Options), "objectionUrl" },
        { "notice-particulars", JsonSerializer.Serialize(SampleAccountability.Particulars(Store) with { SupervisoryAuthority = " " }, Governance.Serialization.GovernanceJson.Options), "supervisoryAuthority" },
    };

    [Theory]
    [MemberData(nameof(InvalidDocuments))]
    public async Task An_incomplete_or_inconsistent_document_is_refused_with_the_field_named(string path, string body, string field)
    {
        using var controller = _server.As(Role.Controller);
        var response = await controller.PostAsync($"/v1/purposes/{Store}/{path}", Json.Raw(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
    }

    [Fact]
    public async Task A_legitimate_interests_assessment_of_a_consent_based_purpose_is_refused()
    {
        using var controller = _server.As(Role.Controller);
        var body = JsonSerializer.Serialize(Lia() with { Purpose = PurposeId.Parse("identity-verification") }, Governance.Serialization.GovernanceJson.Options);
        var response = await controller.PostAsync("/v1/purposes/identity-verification/legitimate-interests", Json.Raw(body));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    private static async Task<PurposeAccountability> SummaryAsync(HttpClient client)
    {
        var response = await client.GetAsync($"/v1/purposes/{Store}/accountability");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ServerFixture.ReadAsync<PurposeAccountability>(response);
    }

    private static async Task PostAsync<T>(HttpClient client, string path, T document)
    {
        var response = await client.PostAsync($"/v1/purposes/{Store}/{path}", Json.Of(document));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }
}
