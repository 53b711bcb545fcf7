using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Obscura.Governance.Access;
using Obscura.Governance.Accountability;
using Obscura.Server.Endpoints;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// The notice and the report over HTTP behind the publication gate (issue 16): 409 with problem type
/// <c>urn:obscura:problem:publication-blocked</c> and the blockers while the governance is incomplete, the notice the
/// CLI writes once it is complete.
/// </summary>
public sealed class StorePublicationEndpointTests(PublicationServer server) : IClassFixture<PublicationServer>
{
    private string Notice => $"/v1/store/purposes/{PublicationServer.Purpose}/notice?store={server.Store}";

    private static string Report => $"/v1/store/report?purpose={PublicationServer.Purpose}";

    [Fact]
    public async Task The_notice_and_report_are_409_publication_blocked_with_the_blockers_until_the_governance_is_complete()
    {
        server.Start();
        var ct = TestContext.Current.CancellationToken;
        using var controller = server.As(Role.Controller);
        using var auditor = server.As(Role.Auditor);

        // Nothing recorded: both refused, each blocker named with its article.
        var noticeBlockers = await BlockedAsync(controller, Notice, ct);
        Assert.Contains(noticeBlockers, b => b.Contains("Art. 35", StringComparison.Ordinal));
        Assert.Contains(noticeBlockers, b => b.Contains("notice particulars", StringComparison.Ordinal));
        var reportBlockers = await BlockedAsync(auditor, Report, ct);
        Assert.Contains(reportBlockers, b => b.Contains("Art. 6(1)(f)", StringComparison.Ordinal));
        Assert.DoesNotContain(reportBlockers, b => b.Contains("notice particulars", StringComparison.Ordinal));

        // The console's store page: 409 and the blockers, no dashboard.
        using (var console = ConsoleClient.For(server))
        {
            await console.SignInAsync(server.KeyOf(Role.Auditor));
            using var blocked = await console.Http.GetAsync($"/console/store?purpose={PublicationServer.Purpose}", ct);
            Assert.Equal(HttpStatusCode.Conflict, blocked.StatusCode);
            var blockedPage = System.Net.WebUtility.HtmlDecode(await blocked.Content.ReadAsStringAsync(ct));
            Assert.All(reportBlockers, b => Assert.Contains(b, blockedPage, StringComparison.Ordinal));
            Assert.DoesNotContain("<table", blockedPage, StringComparison.Ordinal);
        }

        // The documents a report needs: the report is published, the notice still needs its particulars.
        await server.CompleteForReportAsync();
        Assert.Equal(HttpStatusCode.OK, (await controller.GetAsync(Report, ct)).StatusCode);
        Assert.Equal(["No notice particulars are recorded: the second-layer and objection addresses and how to complain (Art. 13)."], await BlockedAsync(controller, Notice, ct));

        await server.RecordAsync("notice-particulars", SampleAccountability.Particulars(PublicationServer.Purpose));
        using var page = await auditor.GetAsync(Notice, ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = System.Net.WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync(ct));
        using var sign = await controller.GetAsync(Notice + "&layer=sign", ct);
        Assert.Equal("image/svg+xml", sign.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<svg", await sign.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        var text = await controller.GetStringAsync(Notice + "&layer=text", ct);

        // The Art. 13 items the CLI's notice test checks, on the page and on the sign.
        foreach (var item in new[] { "Example Retail AB", "To plan staffing and the store layout", "Art. 6(1)(f)", "Art. 21", "lane marked in yellow", "https://retail.example/object", "IMY", "Insight Labs Inc." })
        {
            Assert.Contains(item, html, StringComparison.Ordinal);
            Assert.Contains(item, text, StringComparison.Ordinal);
        }

        Assert.Contains("dpo@retail.example", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await controller.GetAsync(Notice + "&layer=pdf", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await controller.GetAsync($"/v1/store/purposes/{PublicationServer.Purpose}/notice?store=no-such-store", ct)).StatusCode);

        // A pending consultation recorded later closes the gate again: the latest document is in force.
        await server.RecordAsync("prior-consultation", SampleAccountability.Consultation(PublicationServer.Purpose, ConsultationOutcome.Pending));
        Assert.Contains(await BlockedAsync(controller, Notice, ct), b => b.Contains("Art. 36(2)", StringComparison.Ordinal));
        Assert.Contains(await BlockedAsync(controller, Report, ct), b => b.Contains("Art. 36(2)", StringComparison.Ordinal));
    }

    private static async Task<string[]> BlockedAsync(HttpClient client, string path, CancellationToken ct)
    {
        using var response = await client.GetAsync(path, ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.True(response.StatusCode == HttpStatusCode.Conflict, $"{path}: {response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(StoreInboxEndpoints.PublicationBlockedProblemType, body.GetProperty("type").GetString());
        return [.. body.GetProperty("blockers").EnumerateArray().Select(b => b.GetString()!)];
    }
}
