using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Governance.Budgets;
using Obscura.StoreAnalytics.Analytics;
using Obscura.StoreAnalytics.Edge;
using Obscura.StoreAnalytics.Outbox;
using Obscura.StoreAnalytics.Reporting;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// <c>GET /v1/store/report</c> publishes from the server's inbox exactly what <c>obscura store report</c> publishes from
/// an inbox that <c>obscura store ingest</c> filled with the same batches (the CLI prints
/// <see cref="PublishedReportJson"/> of <see cref="VisitorStatistics"/> over its inbox).
/// </summary>
public sealed class StoreReportEndpointTests(PublicationServer server) : IClassFixture<PublicationServer>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_report_over_http_has_the_numbers_of_the_cli_report_for_the_same_batches()
    {
        server.Start();
        var ct = TestContext.Current.CancellationToken;
        await server.CompleteForReportAsync();
        var batches = new[] { TimeBand.Morning, TimeBand.Lunch, TimeBand.Afternoon }
            .Select((band, i) => server.Signer.Sign(StoreBatches.Batch(server.Store, band, 0, 20 + (7 * i))))
            .ToList();

        using var edge = server.CreateClient();
        edge.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.EdgeKey);
        foreach (var batch in batches)
        {
            Assert.Equal(HttpStatusCode.Created, (await edge.PostAsJsonAsync(HttpBatchSink.Route, batch, new JsonSerializerOptions(JsonSerializerDefaults.Web), ct)).StatusCode);
        }

        // The CLI's path: the same batches ingested into an inbox file, the report built from it.
        using var local = new BatchInbox(Path.Combine(_dir.Path, "inbox.db"), new Dictionary<string, byte[]> { [server.Store] = server.Signer.PublicKey });
        foreach (var batch in batches)
        {
            Assert.Equal(DeliveryResult.Accepted, await local.DeliverAsync(batch, ct));
        }

        using var auditor = server.As(Role.Auditor);
        foreach (var k in new[] { 1, 5, 30 })
        {
            var options = new ReportOptions(k);
            var expected = PublishedReportJson.Serialize((await VisitorStatistics.BuildAsync(local.Read(), options, cancellationToken: ct))!, options);
            using var response = await auditor.GetAsync($"/v1/store/report?purpose={PublicationServer.Purpose}&minCell={k}", ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync(ct);
            Assert.Equal(expected, body);
            using var json = JsonDocument.Parse(body);
            var visits = json.RootElement.GetProperty("visits").EnumerateArray().ToList();
            Assert.Equal(3, visits.Count);
            var published = visits.Count(v => v.GetProperty("visits").ValueKind == JsonValueKind.Number);
            Assert.Equal(k == 30 ? 0 : 3, published);
        }

        // The console's store page draws the same published report: each published visit count in its table, alt text
        // on every plot, the plot a PNG; at k = 30 the visits read "suppressed".
        using var console = ConsoleClient.For(server);
        await console.SignInAsync(server.KeyOf(Role.Auditor));
        var published1 = await VisitorStatistics.BuildAsync(local.Read(), new ReportOptions(1), cancellationToken: ct);
        var page = System.Net.WebUtility.HtmlDecode(await console.Http.GetStringAsync($"/console/store?purpose={PublicationServer.Purpose}&minCell=1", ct));
        Assert.All(published1!.Visits, v => Assert.Contains($"<td>{v.Visits}</td>", page, StringComparison.Ordinal));
        Assert.Contains("alt=\"Heat map of visits", page, StringComparison.Ordinal);
        Assert.All(page.Split("<img").Skip(1), img => Assert.Contains(" alt=\"", img.Split('>')[0], StringComparison.Ordinal));
        using var plot = await console.Http.GetAsync($"/console/store?handler=Plot&purpose={PublicationServer.Purpose}&minCell=1&section=visits", ct);
        Assert.Equal("image/png", plot.Content.Headers.ContentType?.MediaType);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await plot.Content.ReadAsByteArrayAsync(ct)).Take(4));
        var suppressed = System.Net.WebUtility.HtmlDecode(await console.Http.GetStringAsync($"/console/store?purpose={PublicationServer.Purpose}&minCell=30", ct));
        Assert.Contains("<td>suppressed</td>", suppressed, StringComparison.Ordinal);
        Assert.All(published1.Visits, v => Assert.DoesNotContain($"<td>{v.Visits}</td>", suppressed, StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.BadRequest, (await auditor.GetAsync($"/v1/store/report?purpose={PublicationServer.Purpose}&epsilon=0.5", ct)).StatusCode);

        // With epsilon the visit counts are noised and the charge goes to the dataset's budget first; a charge the
        // budget cannot take returns no report and spends nothing.
        var budgets = server.Services.GetRequiredService<PrivacyBudgetLedger>();
        Assert.True((await budgets.SetAsync(Actor.Parse("apikey:ops"), "store-visits", PublicationServer.Purpose, 1.0, 0, ct)).Succeeded);
        using (var noised = await auditor.GetAsync($"/v1/store/report?purpose={PublicationServer.Purpose}&minCell=1&epsilon=0.6&dataset=store-visits", ct))
        {
            Assert.Equal(HttpStatusCode.OK, noised.StatusCode);
            using var json = JsonDocument.Parse(await noised.Content.ReadAsStringAsync(ct));
            Assert.Equal("3/5", json.RootElement.GetProperty("visitsEpsilon").GetString());
        }

        Assert.Equal(0.6, (await budgets.GetStatusAsync("store-visits", PublicationServer.Purpose, ct)).Value!.EpsilonSpent, 9);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await auditor.GetAsync($"/v1/store/report?purpose={PublicationServer.Purpose}&minCell=1&epsilon=0.6&dataset=store-visits", ct)).StatusCode);
        Assert.Equal(0.6, (await budgets.GetStatusAsync("store-visits", PublicationServer.Purpose, ct)).Value!.EpsilonSpent, 9);
        Assert.Equal(HttpStatusCode.BadRequest, (await auditor.GetAsync($"/v1/store/report?purpose={PublicationServer.Purpose}&minCell=0", ct)).StatusCode);
    }
}
