using System.Net;
using System.Text.Json;
using Obscura.Governance.Access;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>Onboarding and verification through the real server, its SQLite data folder and the embedded roles.</summary>
public sealed class BiometricEndpointTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Onboarding_then_verification_matches_the_same_face_refuses_others_and_honours_consent_and_revocation()
    {
        using var controller = As(Role.Controller);
        using var processor = As(Role.Processor);
        await controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.IdentityVerification), Ct);
        Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/subjects", Json.Raw("""{"id":"face-1"}"""), Ct)).StatusCode);
        var random = new Random(8);
        var identity = Vector(random, 1.0);
        float[] Capture() => [.. identity.Zip(Vector(random, 0.5), (a, b) => a + b)];

        // Without consent nothing happens.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await processor.PostAsync("/v1/onboarding", Body("face-1", Capture()), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync("/v1/subjects/face-1/consents", Json.Raw("""{"purpose":"identity-verification","noticeVersion":"n1","explicit":true,"channel":"app"}"""), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await processor.PostAsync("/v1/verification", Body("face-1", Capture()), Ct)).StatusCode);

        var onboarded = await processor.PostAsync("/v1/onboarding", Body("face-1", Capture()), Ct);
        Assert.Equal(HttpStatusCode.Created, onboarded.StatusCode);
        var enrolment = JsonDocument.Parse(await onboarded.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.StartsWith("enr_", enrolment.GetProperty("enrolmentId").GetString(), StringComparison.Ordinal);
        Assert.False(enrolment.TryGetProperty("embedding", out _));

        Assert.True(await MatchAsync(processor, Capture()));
        Assert.False(await MatchAsync(processor, [.. Vector(random, 1.0)]));

        Assert.Equal(HttpStatusCode.BadRequest, (await processor.PostAsync("/v1/verification", Body("face-1", new float[5]), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await processor.PostAsync("/v1/verification", Body("face-1", new float[128]), Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await controller.DeleteAsync("/v1/onboarding/face-1", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await processor.PostAsync("/v1/verification", Body("face-1", Capture()), Ct)).StatusCode); // key destroyed, template deleted
        Assert.Equal(HttpStatusCode.NotFound, (await controller.DeleteAsync("/v1/onboarding/face-1", Ct)).StatusCode);

        var lastEnrolled = Capture();
        Assert.Equal(HttpStatusCode.Created, (await processor.PostAsync("/v1/onboarding", Body("face-1", lastEnrolled), Ct)).StatusCode);
        Assert.True(await MatchAsync(processor, Capture()));
        Assert.Equal(HttpStatusCode.OK, (await controller.DeleteAsync("/v1/subjects/face-1/consents/identity-verification", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await processor.PostAsync("/v1/verification", Body("face-1", Capture()), Ct)).StatusCode);

        // Nothing in the data folder holds the enrolled embedding, raw or normalised, as text or as float bytes.
        var norm = Math.Sqrt(lastEnrolled.Sum(v => (double)v * v));
        var raw = lastEnrolled[..4];
        var normalised = raw.Select(v => (float)(v / norm)).ToArray();
        foreach (var file in Directory.EnumerateFiles(server.DataDirectory, "*", SearchOption.AllDirectories))
        {
            if (file.EndsWith(".lock", StringComparison.Ordinal))
            {
                // Lock files of live processes (held with flock, so they cannot be opened for reading) are always empty.
                Assert.Equal(0, new FileInfo(file).Length);
                continue;
            }

            byte[] bytes;
            try
            {
                bytes = await File.ReadAllBytesAsync(file, Ct);
            }
            catch (FileNotFoundException)
            {
                // SQLite removes a write-ahead log when its last connection closes; a file gone since the listing holds nothing.
                continue;
            }

            var text = System.Text.Encoding.UTF8.GetString(bytes);
            foreach (var values in new[] { raw, normalised })
            {
                Assert.Equal(-1, bytes.AsSpan().IndexOf(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())));
                Assert.DoesNotContain(values[0].ToString("R", System.Globalization.CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Onboarding_an_enrolled_subject_is_409_and_only_a_controller_may_re_enrol()
    {
        using var controller = As(Role.Controller);
        using var processor = As(Role.Processor);
        await RegisterWithConsentAsync(controller, "face-2");
        var random = new Random(9);
        var (victim, attacker) = (Vector(random, 1.0), Vector(random, 1.0));
        float[] Capture(float[] identity) => Noisy(random, identity);

        Assert.Equal(HttpStatusCode.Created, (await processor.PostAsync("/v1/onboarding", Body("face-2", Capture(victim)), Ct)).StatusCode);
        var swap = await processor.PostAsync("/v1/onboarding", Body("face-2", Capture(attacker)), Ct);
        Assert.Equal(HttpStatusCode.Conflict, swap.StatusCode);
        Assert.Contains("re-enrolment", await swap.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await processor.PutAsync("/v1/onboarding/face-2", Json.Of(new { embedding = Capture(attacker) }), Ct)).StatusCode);
        Assert.True(await MatchAsync(processor, Capture(victim), "face-2"));
        Assert.False(await MatchAsync(processor, Capture(attacker), "face-2"));

        var renewed = await controller.PutAsync("/v1/onboarding/face-2", Json.Of(new { embedding = Capture(attacker) }), Ct);
        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        Assert.True(await MatchAsync(processor, Capture(attacker), "face-2"));
        Assert.False(await MatchAsync(processor, Capture(victim), "face-2"));

        using var auditor = As(Role.Auditor);
        var entries = JsonDocument.Parse(await (await auditor.GetAsync("/v1/ledger/subjects/face-2/entries", Ct)).Content.ReadAsStringAsync(Ct)).RootElement
            .EnumerateArray().Select(e => e.GetProperty("event")).Where(e => e.GetProperty("actor").GetString() == "apikey:controller")
            .Select(e => (e.GetProperty("action").GetString(), e.GetProperty("dataCategory").GetString(), e.TryGetProperty("to", out var to) ? to.GetString() : null)).ToList();
        Assert.Equal(
            [("Delete", "template-transformation-key", "re-enrolment"), ("Delete", "biometric-template", "re-enrolment"), ("Create", "template-transformation-key", "capture:keys"), ("Create", "biometric-template", "store:templates")],
            entries.Where(e => e.Item2 is "template-transformation-key" or "biometric-template"));
    }

    [Fact]
    public async Task Withdrawing_consent_shreds_the_enrolment_so_a_new_consent_does_not_bring_it_back()
    {
        using var controller = As(Role.Controller);
        using var processor = As(Role.Processor);
        await RegisterWithConsentAsync(controller, "face-3");
        var random = new Random(10);
        var identity = Vector(random, 1.0);
        float[] Capture() => Noisy(random, identity);
        Assert.Equal(HttpStatusCode.Created, (await processor.PostAsync("/v1/onboarding", Body("face-3", Capture()), Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await controller.DeleteAsync("/v1/subjects/face-3/consents/identity-verification", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync("/v1/subjects/face-3/consents", Json.Raw(Consent), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await processor.PostAsync("/v1/verification", Body("face-3", Capture()), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await controller.DeleteAsync("/v1/onboarding/face-3", Ct)).StatusCode); // nothing left to remove

        // Erasure is a removal with its own reason in the ledger; an unknown reason is refused.
        Assert.Equal(HttpStatusCode.Created, (await processor.PostAsync("/v1/onboarding", Body("face-3", Capture()), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await controller.DeleteAsync("/v1/onboarding/face-3?reason=whim", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await controller.DeleteAsync("/v1/onboarding/face-3?reason=erasure", Ct)).StatusCode);
        using var auditor = As(Role.Auditor);
        var ledger = await (await auditor.GetAsync("/v1/ledger/subjects/face-3/entries", Ct)).Content.ReadAsStringAsync(Ct);
        Assert.Contains("\"to\":\"withdrawal\"", ledger, StringComparison.Ordinal);
        Assert.Contains("\"to\":\"erasure\"", ledger, StringComparison.Ordinal);
    }

    /// <summary>
    /// A client without HttpClient's 100 s timeout: the first decision calibrates the provider key, which takes minutes
    /// on a loaded CI machine; the test's own cancellation token bounds the wait.
    /// </summary>
    private HttpClient As(Role role)
    {
        var client = server.As(role);
        client.Timeout = Timeout.InfiniteTimeSpan;
        return client;
    }

    private const string Consent = """{"purpose":"identity-verification","noticeVersion":"n1","explicit":true,"channel":"app"}""";

    /// <summary>Registers the purpose (once; later calls get 409) and the subject, with consent.</summary>
    private static async Task RegisterWithConsentAsync(HttpClient controller, string subject)
    {
        await controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.IdentityVerification), Ct);
        Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/subjects", Json.Of(new { id = subject }), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync($"/v1/subjects/{subject}/consents", Json.Raw(Consent), Ct)).StatusCode);
    }

    private static async Task<bool> MatchAsync(HttpClient client, float[] embedding, string subject = "face-1")
    {
        var response = await client.PostAsync("/v1/verification", Body(subject, embedding), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("match").GetBoolean();
    }

    private static HttpContent Body(string subject, float[] embedding) => Json.Of(new { subject, embedding });

    /// <summary>Another capture of <paramref name="identity"/>: the same face with noise of norm 0.5.</summary>
    private static float[] Noisy(Random random, float[] identity) => [.. identity.Zip(Vector(random, 0.5), (a, b) => a + b)];

    private static float[] Vector(Random random, double norm) =>
        [.. Enumerable.Range(0, 128).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()) * norm / Math.Sqrt(128)))];
}
