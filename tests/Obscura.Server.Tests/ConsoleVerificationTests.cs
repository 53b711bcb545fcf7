using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Obscura.Governance.Access;
using Obscura.Server.Console.Pages;
using Obscura.Server.Telemetry;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// The console's protected-verification page (key generations, decisions per key, refusals) and metrics page, read by
/// an auditor through the real server and its embedded roles.
/// </summary>
public sealed class ConsoleVerificationTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_auditor_sees_the_key_generation_in_use_its_decisions_and_a_tampered_state_as_unreadable()
    {
        using var controller = server.As(Role.Controller);
        await controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.IdentityVerification), Ct);
        Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/subjects", Json.Raw("""{"id":"keys-1"}"""), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync("/v1/subjects/keys-1/consents", Json.Raw("""{"purpose":"identity-verification","noticeVersion":"n1","explicit":true,"channel":"app"}"""), Ct)).StatusCode);
        var random = new Random(3);
        var face = Enumerable.Range(0, 128).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var onboarded = await controller.PostAsync("/v1/onboarding", Json.Of(new { subject = "keys-1", embedding = face }), Ct);
        Assert.Equal(HttpStatusCode.Created, onboarded.StatusCode);
        var keyId = JsonDocument.Parse(await onboarded.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("encryptionKeyId").GetString()!;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync("/v1/verification", Json.Of(new { subject = "keys-1", embedding = face }), Ct)).StatusCode);
        }

        using var auditor = ConsoleClient.For(server);
        await auditor.SignInAsync(server.KeyOf(Role.Auditor));
        var page = await auditor.Http.GetStringAsync("/console/verification", Ct);
        Assert.Contains($"<tr data-generation=\"current\"><td>current</td><td class=\"mono\">{keyId}</td>", page, StringComparison.Ordinal);
        var current = page[page.IndexOf("data-generation=\"current\"", StringComparison.Ordinal)..];
        Assert.Contains("<td>3</td></tr>", current[..current.IndexOf("</tr>", StringComparison.Ordinal)] + "</tr>", StringComparison.Ordinal);
        Assert.Contains("none under way", page, StringComparison.Ordinal);
        Assert.DoesNotContain("data-generation=\"previous\"", page, StringComparison.Ordinal);

        // The decision count raised behind the key holder's back fails its authentication: the page says the state
        // cannot be read (503), and names no file.
        var state = Path.Combine(server.DataDirectory, "biometrics", "keyholder", "state.db");
        await using (var db = new SqliteConnection($"Data Source={state};Pooling=False"))
        {
            await db.OpenAsync(Ct);
            await using var update = db.CreateCommand();
            update.CommandText = "UPDATE key_decisions SET decisions = decisions + 5";
            Assert.Equal(1, await update.ExecuteNonQueryAsync(Ct));
        }

        var tampered = await auditor.Http.GetAsync("/console/verification", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, tampered.StatusCode);
        var body = await tampered.Content.ReadAsStringAsync(Ct);
        Assert.Contains("The key holder&#x27;s state cannot be read (InvalidDataException)", body, StringComparison.Ordinal);
        Assert.DoesNotContain("state.db", body, StringComparison.Ordinal);
        Assert.DoesNotContain("<td>8</td>", body, StringComparison.Ordinal);

        // The metrics page shows the verification requests' latency under their route template, for the auditor.
        var metrics = await auditor.Http.GetStringAsync("/console/metrics", Ct);
        Assert.Contains("data-metric=\"http.server.request.duration\"", metrics, StringComparison.Ordinal);
        Assert.Contains("http.route=/v1/verification", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("keys-1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quantile_is_bounded_by_the_upper_bound_of_the_bucket_it_falls_in()
    {
        HistogramBucket[] buckets = [new(0.01, 5), new(0.1, 4), new(1, 1), new(null, 0)];
        Assert.Equal(0.01, MetricsModel.QuantileBound(buckets, 0.5));
        Assert.Equal(0.1, MetricsModel.QuantileBound(buckets, 0.6));
        Assert.Equal(0.1, MetricsModel.QuantileBound(buckets, 0.9));
        Assert.Equal(1, MetricsModel.QuantileBound(buckets, 0.95));
        Assert.Null(MetricsModel.QuantileBound([new(0.01, 1), new(null, 3)], 0.5));
        Assert.Null(MetricsModel.QuantileBound([new(0.01, 0), new(null, 0)], 0.5));
        Assert.Equal("≤ 100 ms", MetricsModel.Bound(0.1, "s"));
        Assert.Throws<ArgumentOutOfRangeException>(() => MetricsModel.QuantileBound(buckets, 1.5));
    }
}
