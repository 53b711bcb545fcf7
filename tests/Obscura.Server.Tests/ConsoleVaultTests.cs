using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Governance.Access;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// The console's vault page, the DPO's report: what is stored per purpose, training use against the policy, exports,
/// deletions, and objects past their retention shown as overdue until a retention run deletes them.
/// </summary>
public sealed class ConsoleVaultTests(ConsoleVaultTests.ClockedServer server) : IClassFixture<ConsoleVaultTests.ClockedServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_report_shows_what_is_stored_used_exported_and_deleted_and_flags_overdue_retention()
    {
        using var controller = server.As(Role.Controller);
        await controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.IdentityVerification), Ct);
        await controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.ModelTraining), Ct);
        await controller.PostAsync("/v1/assessments", Json.Of(SamplePurposes.TrainingReuseAssessment), Ct);
        foreach (var subject in new[] { "vault-c1", "vault-c2" })
        {
            Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/subjects", Json.Raw($$"""{"id":"{{subject}}"}"""), Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync($"/v1/subjects/{subject}/consents", Json.Raw("""{"purpose":"identity-verification","noticeVersion":"n1","explicit":true,"channel":"app"}"""), Ct)).StatusCode);
            var blob = new ByteArrayContent(new byte[1000]);
            blob.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            var stored = await controller.PostAsync($"/v1/vault/objects?subject={subject}&purpose=identity-verification&source=branch-1", blob, Ct);
            Assert.True(stored.StatusCode == HttpStatusCode.Created, await stored.Content.ReadAsStringAsync(Ct));
        }

        Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync("/v1/vault/policies", Json.Raw("""{"purpose":"model-training","fraction":0.5,"justification":"Half of the records are enough for this test.","approvedBy":"dpo"}"""), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync("/v1/vault/exports", Json.Raw("""{"run":"console-run","purpose":"model-training","fields":["payload"]}"""), Ct)).StatusCode);

        using var auditor = ConsoleClient.For(server);
        await auditor.SignInAsync(server.KeyOf(Role.Auditor));
        var page = await auditor.Http.GetStringAsync("/console/vault", Ct);
        Assert.Contains("<td class=\"mono\">identity-verification</td><td>2</td><td>2</td><td>2,000</td>", page, StringComparison.Ordinal);
        Assert.Contains("<td class=\"mono\">model-training</td><td>1</td><td>50 %</td><td>none</td><td>2</td><td>1</td>", page, StringComparison.Ordinal);
        var export = page[page.IndexOf("<td class=\"mono\">console-run</td>", StringComparison.Ordinal)..];
        export = export[..export.IndexOf("</tr>", StringComparison.Ordinal)];
        Assert.Contains("<td class=\"mono\">model-training</td><td>1</td><td class=\"mono\">payload</td>", export, StringComparison.Ordinal);
        Assert.Contains("<td>1</td><td>open</td>", export, StringComparison.Ordinal);
        Assert.Contains("Nothing has been deleted.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("data-overdue", page, StringComparison.Ordinal);

        // A year and a day later the identity-verification objects (365 days) are past retention: overdue until a run.
        server.Clock.Advance(TimeSpan.FromDays(366));
        using var later = ConsoleClient.For(server);
        await later.SignInAsync(server.KeyOf(Role.Auditor));
        var overdue = await later.Http.GetStringAsync("/console/vault", Ct);
        Assert.Contains("OVERDUE: a retention run is due", overdue, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync("/v1/retention/run", null, Ct)).StatusCode);
        var swept = await later.Http.GetStringAsync("/console/vault", Ct);
        Assert.DoesNotContain("data-overdue", swept, StringComparison.Ordinal);
        Assert.Contains("Nothing is stored.", swept, StringComparison.Ordinal);
        Assert.Contains("<td class=\"mono\">retention</td><td>2</td><td>2,000</td>", swept, StringComparison.Ordinal);
    }

    /// <summary>The server on a manual clock.</summary>
    public sealed class ClockedServer : ServerFixture
    {
        public ManualClock Clock { get; } = new(DateTimeOffset.UtcNow);

        protected override void Configure(IWebHostBuilder builder) =>
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }
}
