using System.Net;
using System.Text.Json;
using Obscura.Governance.Access;
using Obscura.Governance.Accountability;
using Obscura.Governance.Ledger;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// The Art. 21 objection channel of anonymous store visitors (issue 16), through the real server and its SQLite file:
/// a kiosk key records, the controller and auditors list (rows changed behind the server's back:
/// <see cref="StoreDocumentLedgerCheckTests"/>).
/// </summary>
public sealed class StoreObjectionEndpointTests : IClassFixture<ServerFixture>
{
    private const string Path = "/v1/store/objections";
    private readonly ServerFixture _server;

    public StoreObjectionEndpointTests(ServerFixture server)
    {
        _server = server;
        using var controller = server.As(Role.Controller);
        controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.StoreAnalytics)).GetAwaiter().GetResult();
        controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.IdentityVerification)).GetAwaiter().GetResult();
    }

    [Fact]
    public async Task A_kiosk_records_an_anonymous_objection_that_the_controller_lists_and_the_ledger_commits()
    {
        using var kiosk = _server.As(Role.ObjectionIntake);
        var response = await kiosk.PostAsync(Path, Json.Raw("""{"purpose":"store-analytics","store":"store-objection-1","date":"2026-01-05","channel":"kiosk","reason":"  I do not want my face analysed.  "}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var recorded = await ServerFixture.ReadAsync<VisitorObjection>(response);
        Assert.StartsWith("vob_", recorded.Id, StringComparison.Ordinal);
        Assert.Equal("I do not want my face analysed.", recorded.Reason);
        Assert.Equal(new DateOnly(2026, 1, 5), recorded.Date);
        Assert.Equal("apikey:objectionintake", recorded.Actor);

        // A web form's objection without a reason.
        Assert.Equal(HttpStatusCode.Created, (await kiosk.PostAsync(Path, Json.Raw("""{"purpose":"store-analytics","store":"store-objection-1","date":"2026-01-06","channel":"web-form"}"""))).StatusCode);

        using var controller = _server.As(Role.Controller);
        var all = await ServerFixture.ReadAsync<List<VisitorObjection>>(await controller.GetAsync(Path + "?purpose=store-analytics&limit=500"));
        var mine = all.Where(o => o.Store == "store-objection-1").ToList();
        Assert.Equal(["kiosk", "web-form"], mine.Select(o => o.Channel));
        Assert.Null(mine[1].Reason);

        // Paging: after the first of the two, the second comes next.
        var page = await ServerFixture.ReadAsync<List<VisitorObjection>>(await controller.GetAsync($"{Path}?purpose=store-analytics&after={recorded.Id}&limit=1"));
        Assert.Equal(mine[1].Id, Assert.Single(page).Id);

        // The ledger holds an entry committing the row, and nothing of the reason.
        using var auditor = _server.As(Role.Auditor);
        var entries = await auditor.GetStringAsync("/v1/ledger/entries?limit=1000");
        Assert.Contains(recorded.Id, entries, StringComparison.Ordinal);
        Assert.DoesNotContain("analysed", entries, StringComparison.Ordinal);
        var report = await ServerFixture.ReadAsync<LedgerVerificationReport>(await auditor.PostAsync("/v1/ledger/verify", null));
        Assert.True(report.Intact, string.Join("; ", report.Problems.Select(p => p.Message)));
    }

    public static TheoryData<string, string> InvalidBodies() => new()
    {
        { """{"purpose":"store-analytics","store":"store 1","date":"2026-01-05","channel":"kiosk"}""", "store" },
        { """{"purpose":"store-analytics","store":"","date":"2026-01-05","channel":"kiosk"}""", "store" },
        { """{"purpose":"store-analytics","store":"store-1","date":"2999-01-05","channel":"kiosk"}""", "date" },
        { """{"purpose":"store-analytics","store":"store-1","date":"0001-01-01","channel":"kiosk"}""", "date" },
        { """{"purpose":"store-analytics","store":"store-1","date":"2026-01-05","channel":"by <b>mail</b>"}""", "channel" },
        { "{\"purpose\":\"store-analytics\",\"store\":\"store-1\",\"date\":\"2026-01-05\",\"channel\":\"kiosk\",\"reason\":\"" + new string('x', VisitorObjection.MaxReasonLength + 1) + "\"}", "reason" },
        { """{"purpose":"store-analytics","store":"store-1","date":"2026-01-05","channel":"kiosk","reason":"bell\u0007"}""", "reason" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task An_invalid_objection_is_refused_with_a_problem_naming_the_field(string body, string field)
    {
        using var kiosk = _server.As(Role.ObjectionIntake);
        var response = await kiosk.PostAsync(Path, Json.Raw(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
    }

    [Fact]
    public async Task Objections_to_an_unknown_purpose_or_one_not_under_6_1_e_or_f_are_refused()
    {
        using var kiosk = _server.As(Role.ObjectionIntake);
        var unknown = await kiosk.PostAsync(Path, Json.Raw("""{"purpose":"no-such-purpose","store":"store-1","date":"2026-01-05","channel":"kiosk"}"""));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        var consentBased = await kiosk.PostAsync(Path, Json.Raw("""{"purpose":"identity-verification","store":"store-1","date":"2026-01-05","channel":"kiosk"}"""));
        Assert.Equal(HttpStatusCode.Conflict, consentBased.StatusCode);
        using var problem = JsonDocument.Parse(await consentBased.Content.ReadAsStringAsync());
        Assert.Equal("GDPR Art. 21(1)", problem.RootElement.GetProperty("citation").GetString());

        using var controller = _server.As(Role.Controller);
        Assert.Equal(HttpStatusCode.BadRequest, (await controller.GetAsync(Path + "?purpose=store-analytics&limit=0")).StatusCode);
    }

    [Fact]
    public async Task The_openapi_description_documents_the_objection_channels_problems()
    {
        using var anonymous = _server.Anonymous();
        using var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json"));
        var path = document.RootElement.GetProperty("paths").GetProperty(Path);
        var post = path.GetProperty("post").GetProperty("responses");
        Assert.All(new[] { "201", "400", "401", "403", "404", "409", "413", "429" }, status => Assert.True(post.TryGetProperty(status, out _), $"POST does not document {status}"));
        Assert.True(post.GetProperty("400").GetProperty("content").TryGetProperty("application/problem+json", out _));
        var get = path.GetProperty("get").GetProperty("responses");
        Assert.All(new[] { "200", "400", "401", "403" }, status => Assert.True(get.TryGetProperty(status, out _), $"GET does not document {status}"));
    }

    [Fact]
    public async Task A_kiosk_key_reads_nothing()
    {
        using var kiosk = _server.As(Role.ObjectionIntake);
        Assert.Equal(HttpStatusCode.Forbidden, (await kiosk.GetAsync(Path + "?purpose=store-analytics")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await kiosk.GetAsync("/v1/purposes")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await kiosk.GetAsync("/v1/ledger/head")).StatusCode);
    }
}
