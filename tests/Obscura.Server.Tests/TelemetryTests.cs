using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Governance.Budgets;
using Obscura.Governance.Ledger;
using Obscura.Governance.Storage;
using Obscura.Governance.Subjects;
using Obscura.Privacy;
using Obscura.Privacy.Accounting;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// Run alone: the domain meters are process-wide, so requests of tests running beside these would be counted too.
/// </summary>
[CollectionDefinition(nameof(TelemetryTests), DisableParallelization = true)]
public sealed class TelemetryCollection;

/// <summary>
/// OpenTelemetry through the real server and its SQLite data folder: instruments, the role tag, privacy of tags and
/// spans, <c>GET /v1/metrics</c>. Domain measurements are taken inside the request, so they are in by the time the
/// client has the response; a request's duration and span are recorded when the host disposes its context, so the
/// tests wait for those on the capture's signal (bounded, failing with what was seen).
/// </summary>
[Collection(nameof(TelemetryTests))]
public sealed class TelemetryTests(TelemetryServerFixture server) : IClassFixture<TelemetryServerFixture>
{
    private const string RequestDuration = "http.server.request.duration";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TelemetryCapture Capture => server.Capture;

    [Fact]
    public async Task Each_instrument_records_its_api_calls_value_with_its_tags_and_v1_metrics_reports_the_same()
    {
        using var controller = server.As(Role.Controller);
        using var processor = server.As(Role.Processor);
        using var auditor = server.As(Role.Auditor);
        using var anonymous = server.Anonymous();
        var trace = TelemetryCapture.Trace(controller, processor, auditor, anonymous);
        var mark = Capture.Measurements.Count;
        await controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.IdentityVerification), Ct);
        await controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.StoreAnalytics), Ct);
        var requests = 2;

        // Ledger appends: one signed append per write; the batch sizes add up to the tree's growth.
        var size = await TreeSizeAsync(auditor);
        var (appends, batches) = (Sum("obscura.ledger.appends"), Capture.Of("obscura.ledger.append.batch_size").Count());
        Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/subjects", Json.Raw("""{"id":"tel-1"}"""), Ct)).StatusCode);
        Assert.Equal(1, Sum("obscura.ledger.appends") - appends);
        Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync("/v1/subjects/tel-1/consents", Json.Raw("""{"purpose":"identity-verification","noticeVersion":"n1","explicit":true,"channel":"app"}"""), Ct)).StatusCode);
        Assert.Equal(2, Sum("obscura.ledger.appends") - appends);
        var sizes = Capture.Of("obscura.ledger.append.batch_size").Skip(batches).ToList();
        Assert.Equal(2, sizes.Count);
        Assert.Equal(await TreeSizeAsync(auditor) - size, sizes.Sum(m => m.Value));
        Assert.All(Capture.Of("obscura.ledger.appends").Concat(sizes), m => Assert.Empty(m.Tags));
        requests += 4;

        // The vault: the plaintext bytes stored, then the same bytes shredded by an erasure, tagged with the reason.
        var blob = new ByteArrayContent(new byte[3000]);
        blob.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        var stored = Sum("obscura.vault.bytes_stored");
        Assert.Equal(HttpStatusCode.Created, (await processor.PostAsync("/v1/vault/objects?subject=tel-1&purpose=identity-verification&source=branch-1", blob, Ct)).StatusCode);
        Assert.Equal(3000, Sum("obscura.vault.bytes_stored") - stored);
        Assert.All(Capture.Of("obscura.vault.bytes_stored"), m => Assert.Empty(m.Tags));
        var shredded = Sum("obscura.vault.bytes_shredded");
        Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync("/v1/vault/subjects/tel-1/shred", Json.Raw("""{"reason":"erasure"}"""), Ct)).StatusCode);
        Assert.Equal(3000, Sum("obscura.vault.bytes_shredded", "obscura.reason", "erasure") - shredded);
        Assert.Equal(3000, Sum("obscura.vault.bytes_shredded") - shredded);
        requests += 2;

        // Verification decisions: match, no match, refused with the reason; the outcome is the only other tag.
        var random = new Random(17);
        var identity = Vector(random, 1.0);
        float[] Capture_() => [.. identity.Zip(Vector(random, 0.5), (a, b) => a + b)];
        Assert.Equal(HttpStatusCode.Created, (await processor.PostAsync("/v1/onboarding", Body("tel-1", Capture_()), Ct)).StatusCode);
        var decisions = Capture.Of("obscura.verification.decisions").Count();
        Assert.Equal(HttpStatusCode.OK, (await processor.PostAsync("/v1/verification", Body("tel-1", Capture_()), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await processor.PostAsync("/v1/verification", Body("tel-1", Vector(random, 1.0)), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await processor.PostAsync("/v1/verification", Body("tel-unconsented", Capture_()), Ct)).StatusCode);
        var decided = Capture.Of("obscura.verification.decisions").Skip(decisions).ToList();
        Assert.Equal(
            ["obscura.outcome=match", "obscura.outcome=no-match", "obscura.outcome=refused,obscura.refusal=no-consent"],
            decided.Select(m => string.Join(",", m.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"))));
        Assert.All(decided, m => Assert.Equal(1, m.Value));
        requests += 4;

        // ε charged in this process (the server charges none itself today: the CLI does), by purpose and dataset.
        var budgets = new PrivacyBudgetLedger(server.Services.GetRequiredService<IGovernanceStore>(), server.Services.GetRequiredService<AuditLedger>(), TimeProvider.System);
        var actor = Actor.Parse("apikey:controller");
        var purpose = SamplePurposes.StoreAnalytics.Id;
        Assert.True((await budgets.SetAsync(actor, "tel-visits", purpose, 1.0, 1e-6, Ct)).Succeeded);
        Assert.True((await budgets.ChargeAsync(actor, "tel-visits", purpose, new PrivacyCost.Pure(Rational.Of(1, 4)), "count", Ct)).Succeeded);
        Assert.True((await budgets.ChargeAsync(actor, "tel-visits", purpose, new PrivacyCost.Zcdp(Rational.Of(1, 1000)), "sum", Ct)).Succeeded);
        Assert.False((await budgets.ChargeAsync(actor, "tel-visits", purpose, new PrivacyCost.Pure(Rational.Of(9, 10)), "mean", Ct)).Succeeded);
        var spent = (await budgets.GetStatusAsync("tel-visits", purpose, Ct)).Value!.EpsilonSpent;
        var charged = Capture.Of("obscura.privacy.epsilon_charged").Where(m => m.Tags.GetValueOrDefault("obscura.dataset") == "tel-visits").ToList();
        Assert.Equal(2, charged.Count);
        Assert.Equal(spent, charged.Sum(m => m.Value), 9);
        Assert.All(charged, m => Assert.Equal(["obscura.dataset=tel-visits", "obscura.purpose=store-analytics"], m.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}")));

        // Request latency per route template and role; an unauthenticated call is 'anonymous'.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/metrics", Ct)).StatusCode);
        requests += 1;
        await Capture.WaitForSpansAsync(trace, requests, Ct);
        Assert.Equal(1, Durations(mark, "/v1/metrics", "anonymous", 401));
        Assert.Equal(2, Durations(mark, "/v1/verification", "Processor", 200));
        Assert.Equal(1, Durations(mark, "/v1/verification", "Processor", 422));
        Assert.Equal(1, Durations(mark, "/v1/subjects/", "Controller", 201));
        Assert.Equal(1, Durations(mark, "/v1/subjects/{subjectId}/consents", "Controller", 200));
        Assert.Equal(1, Durations(mark, "/v1/vault/objects", "Processor", 201));
        Assert.Equal(0, Capture.Of(RequestDuration).Count(m => m.Tags.GetValueOrDefault("http.route") == "/v1/verification" && m.Tags.GetValueOrDefault("obscura.role") != "Processor"));
        foreach (var m in Capture.Of(RequestDuration).Where(m => m.Tags.ContainsKey("http.route")))
        {
            Assert.True(m.Value > 0, $"{m.Tags["http.route"]} took {m.Value} s");
            Assert.Contains(m.Tags.GetValueOrDefault("obscura.role"), new[] { "Controller", "Processor", "Auditor", "Subject", "anonymous" });
            Assert.True(m.Tags.ContainsKey("http.request.method") && m.Tags.ContainsKey("http.response.status_code"));
        }

        // The in-process reader (the OpenTelemetry SDK's aggregation) reports the same values.
        var snapshot = JsonDocument.Parse(await (await auditor.GetAsync("/v1/metrics", Ct)).Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(Sum("obscura.vault.bytes_stored"), SnapshotSum(snapshot, "obscura.vault.bytes_stored"));
        Assert.Equal(Sum("obscura.vault.bytes_shredded", "obscura.reason", "erasure"), SnapshotSum(snapshot, "obscura.vault.bytes_shredded", ("obscura.reason", "erasure")));
        Assert.Equal(Sum("obscura.verification.decisions", "obscura.outcome", "match"), SnapshotSum(snapshot, "obscura.verification.decisions", ("obscura.outcome", "match")));
        Assert.Equal(Sum("obscura.verification.decisions", "obscura.refusal", "no-consent"), SnapshotSum(snapshot, "obscura.verification.decisions", ("obscura.refusal", "no-consent")));
        Assert.Equal(Sum("obscura.ledger.appends"), SnapshotSum(snapshot, "obscura.ledger.appends"));
        Assert.Equal(spent, SnapshotSum(snapshot, "obscura.privacy.epsilon_charged", ("obscura.dataset", "tel-visits")), 9);
        Assert.Equal("By", Series(snapshot, "obscura.vault.bytes_stored").GetProperty("unit").GetString());
        var latency = Series(snapshot, RequestDuration);
        Assert.Equal(("s", "histogram"), (latency.GetProperty("unit").GetString(), latency.GetProperty("kind").GetString()));
        var verifications = latency.GetProperty("points").EnumerateArray().Where(p => Tag(p, "http.route") == "/v1/verification" && Tag(p, "obscura.role") == "Processor").ToList();
        var recorded = Capture.Of(RequestDuration).Where(m => m.Tags.GetValueOrDefault("http.route") == "/v1/verification" && m.Tags.GetValueOrDefault("obscura.role") == "Processor").ToList();
        Assert.True(recorded.Count >= 3);
        Assert.Equal(recorded.Count, verifications.Sum(p => p.GetProperty("count").GetInt64()));
        Assert.Equal(
            recorded.Sum(m => m.Value),
            verifications.Sum(p => p.GetProperty("sum").GetDouble()),
            9);
        Assert.All(verifications, p => Assert.Equal(p.GetProperty("count").GetInt64(), p.GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("count").GetInt64())));
    }

    [Fact]
    public async Task No_subject_id_api_key_purpose_source_label_or_embedding_value_becomes_a_tag_span_name_or_attribute()
    {
        const string Subject = "zq7-subject-7f3a";
        using var controller = server.As(Role.Controller);
        using var processor = server.As(Role.Processor);
        using var self = server.As(Role.Subject, SubjectId.Parse(Subject));
        using var wrongKey = server.Anonymous();
        wrongKey.DefaultRequestHeaders.Add("X-Api-Key", "obk_zzwrongkey0123456789");
        using var console = ConsoleClient.For(server);
        var trace = TelemetryCapture.Trace(controller, processor, self, wrongKey, console.Http);
        await controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.IdentityVerification), Ct);
        await controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.ModelTraining), Ct);
        await controller.PostAsync("/v1/assessments", Json.Of(SamplePurposes.TrainingReuseAssessment), Ct);
        var embedding = Vector(new Random(5), 1.0);
        string[] secrets =
        [
            Subject,
            server.KeyOf(Role.Controller),
            server.KeyOf(Role.Processor),
            server.KeyOf(Role.Subject, SubjectId.Parse(Subject)),
            "obk_zzwrongkey0123456789",
            "identity-verification",
            "model-training",
            "branch-zq9",
            "zqoslo",
        ];

        var requests = 3;
        async Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string url, HttpContent? content = null)
        {
            using var request = new HttpRequestMessage(method, url) { Content = content };
            request.Headers.UserAgent.ParseAdd($"probe/{Subject}");
            request.Headers.Referrer = new Uri($"https://app.example/{Subject}?purpose=identity-verification");
            requests++;
            return await client.SendAsync(request, Ct);
        }

        // The subject id in the path, the body, the query, the user agent and the referrer; every role's key; a wrong key.
        Assert.Equal(HttpStatusCode.Created, (await Send(controller, HttpMethod.Post, "/v1/subjects", Json.Raw($$"""{"id":"{{Subject}}"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(controller, HttpMethod.Post, $"/v1/subjects/{Subject}/consents", Json.Raw("""{"purpose":"identity-verification","noticeVersion":"n1","explicit":true,"channel":"app"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(self, HttpMethod.Get, $"/v1/subjects/{Subject}/consents")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(self, HttpMethod.Get, $"/v1/ledger/subjects/{Subject}/entries")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(processor, HttpMethod.Get, $"/v1/decisions?subject={Subject}&purpose=identity-verification")).StatusCode);
        var blob = new ByteArrayContent(new byte[64]);
        blob.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        var created = await Send(processor, HttpMethod.Post, $"/v1/vault/objects?subject={Subject}&purpose=identity-verification&source=branch-zq9&label=site%3Dzqoslo", blob);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var objectId = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString()!;
        secrets = [.. secrets, objectId];
        Assert.Equal(HttpStatusCode.OK, (await Send(processor, HttpMethod.Get, $"/v1/vault/objects/{objectId}?purpose=model-training")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Send(processor, HttpMethod.Post, "/v1/onboarding", Body(Subject, embedding))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(processor, HttpMethod.Post, "/v1/verification", Body(Subject, embedding))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(wrongKey, HttpMethod.Get, $"/v1/subjects/{Subject}/consents")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(self, HttpMethod.Get, $"/v1/subjects/someone-else-{Subject}/consents")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(controller, HttpMethod.Get, $"/v1/no-such-route/{Subject}?purpose=identity-verification")).StatusCode);

        // The console: the key in a sign-in form, then the subject's page with the id in the query.
        Assert.Equal(HttpStatusCode.Redirect, (await console.SignInAsync(server.KeyOf(Role.Controller))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await console.Http.GetAsync($"/console/subject?id={Subject}", Ct)).StatusCode);
        requests += 3; // the sign-in form, its post and the subject's page

        await Capture.WaitForSpansAsync(trace, requests, Ct);
        var snapshot = await (await controller.GetAsync("/v1/metrics", Ct)).Content.ReadAsStringAsync(Ct);

        // Not vacuous: the spans and measurements are there, with route templates and roles.
        Assert.Contains(Capture.Spans, s => s.Tags.GetValueOrDefault("http.route") == "/v1/ledger/subjects/{subjectId}/entries" && s.Tags.GetValueOrDefault("obscura.role") == "Subject");
        Assert.Contains(Capture.Spans, s => s.Tags.GetValueOrDefault("http.route") == "/v1/vault/objects/{objectId}" && s.Tags.GetValueOrDefault("obscura.role") == "Processor");
        Assert.Contains(Capture.Spans, s => s.Name == "obscura.verification" && s.Tags.GetValueOrDefault("obscura.outcome") == "match");
        Assert.Contains(Capture.Of(RequestDuration), m => m.Tags.GetValueOrDefault("http.route") == "/v1/decisions" && m.Tags.GetValueOrDefault("obscura.role") == "Processor");
        Assert.Equal(
            ["GET console/login anonymous", "GET console/subject Controller", "POST console/login anonymous"],
            Capture.ServerSpansOf(trace).Where(s => s.Name.Contains(" console/", StringComparison.Ordinal))
                .Select(s => $"{s.Tags.GetValueOrDefault("http.request.method")} {s.Tags.GetValueOrDefault("http.route")} {s.Tags.GetValueOrDefault("obscura.role")}")
                .Order(StringComparer.Ordinal));
        Assert.Contains("\"obscura.role\"", snapshot, StringComparison.Ordinal);

        var exported = Capture.ExportedStrings().ToList();
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(exported, s => s.Contains(secret, StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(secret, snapshot, StringComparison.OrdinalIgnoreCase);
        }

        // Template values: no tag or attribute is one of the embedding's components (a measurement's own value is a duration or a count).
        var components = embedding.Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain(exported, components.Contains);
    }

    [Fact]
    public async Task V1_metrics_is_for_controllers_and_auditors_only()
    {
        using var controller = server.As(Role.Controller);
        using var auditor = server.As(Role.Auditor);
        using var processor = server.As(Role.Processor);
        using var subject = server.As(Role.Subject, SubjectId.Parse("tel-self"));
        using var anonymous = server.Anonymous();
        var trace = TelemetryCapture.Trace(controller, auditor, processor, subject, anonymous);
        Assert.Equal(HttpStatusCode.OK, (await controller.GetAsync("/v1/metrics", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await auditor.GetAsync("/v1/metrics", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await processor.GetAsync("/v1/metrics", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await subject.GetAsync("/v1/metrics", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/metrics", Ct)).StatusCode);
        await Capture.WaitForSpansAsync(trace, 5, Ct); // so that no later test counts them
    }

    [Fact]
    public async Task V1_metrics_is_described_in_the_openapi_document_with_its_answer_its_roles_and_its_errors()
    {
        using var anonymous = server.Anonymous();
        var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json", Ct)).RootElement;
        var operation = document.GetProperty("paths").GetProperty("/v1/metrics").GetProperty("get");
        Assert.Contains("Controller and auditor keys only", operation.GetProperty("description").GetString(), StringComparison.Ordinal);
        var schema = operation.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        var name = schema.GetProperty("$ref").GetString()!.Split('/')[^1];
        var properties = document.GetProperty("components").GetProperty("schemas").GetProperty(name).GetProperty("properties");
        Assert.True(properties.TryGetProperty("collectedAt", out _) && properties.TryGetProperty("metrics", out _), name);
        Assert.All(new[] { "401", "403", "429" }, status => Assert.True(operation.GetProperty("responses").TryGetProperty(status, out _), $"GET /v1/metrics does not document {status}"));
    }

    [Fact]
    public async Task Health_and_readiness_probes_are_left_out_of_traces_but_other_requests_are_traced()
    {
        using var auditor = server.As(Role.Auditor);
        using var anonymous = server.Anonymous();
        var trace = TelemetryCapture.Trace(auditor, anonymous);
        var probes = Capture.Of(RequestDuration).Count(m => m.Tags.GetValueOrDefault("http.route")?.StartsWith("/health", StringComparison.Ordinal) == true);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await auditor.GetAsync("/v1/ledger/head", Ct)).StatusCode);

        // The probes' durations are recorded before the ledger head's span ends, so once that span is in, so are they.
        await Capture.WaitForSpansAsync(trace, 1, Ct);
        Assert.Equal("/v1/ledger/head", Assert.Single(Capture.ServerSpansOf(trace)).Tags.GetValueOrDefault("http.route"));
        await UntilAsync(() => Capture.Of(RequestDuration).Count(m => m.Tags.GetValueOrDefault("http.route")?.StartsWith("/health", StringComparison.Ordinal) == true) >= probes + 2, "the two probes' durations");
        Assert.DoesNotContain(Capture.Spans, s => s.Tags.GetValueOrDefault("http.route")?.StartsWith("/health", StringComparison.Ordinal) == true);
    }

    private double Sum(string instrument, string? tag = null, string? value = null) =>
        Capture.Of(instrument).Where(m => tag is null || m.Tags.GetValueOrDefault(tag) == value).Sum(m => m.Value);

    /// <summary>Request durations recorded since measurement <paramref name="mark"/> for the route template, role and status.</summary>
    private int Durations(int mark, string route, string role, int status) =>
        Capture.Measurements.Skip(mark).Where(m => m.Instrument == RequestDuration).Count(m => m.Tags.GetValueOrDefault("http.route") == route && m.Tags.GetValueOrDefault("obscura.role") == role
            && m.Tags.GetValueOrDefault("http.response.status_code") == status.ToString(CultureInfo.InvariantCulture));

    private Task UntilAsync(Func<bool> condition, string what) => Capture.WaitForAsync(condition, what, Ct);

    private static async Task<long> TreeSizeAsync(HttpClient auditor) =>
        JsonDocument.Parse(await auditor.GetStringAsync("/v1/ledger/head", Ct)).RootElement.GetProperty("treeSize").GetInt64();

    private static JsonElement Series(JsonElement snapshot, string name) =>
        snapshot.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("name").GetString() == name);

    private static double SnapshotSum(JsonElement snapshot, string name, (string Key, string Value)? tag = null) =>
        Series(snapshot, name).GetProperty("points").EnumerateArray()
            .Where(p => tag is not { } t || Tag(p, t.Key) == t.Value)
            .Sum(p => p.GetProperty("value").GetDouble());

    private static string? Tag(JsonElement point, string key) =>
        point.GetProperty("tags").TryGetProperty(key, out var v) ? v.GetString() : null;

    private static HttpContent Body(string subject, float[] embedding) => Json.Of(new { subject, embedding });

    private static float[] Vector(Random random, double norm) =>
        [.. Enumerable.Range(0, 128).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()) * norm / Math.Sqrt(128)))];
}
