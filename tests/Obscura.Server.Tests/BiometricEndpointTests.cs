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
        using var controller = server.As(Role.Controller);
        using var processor = server.As(Role.Processor);
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
        Assert.Equal(HttpStatusCode.Gone, (await processor.PostAsync("/v1/verification", Body("face-1", Capture()), Ct)).StatusCode);
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

            var bytes = await File.ReadAllBytesAsync(file, Ct);
            var text = System.Text.Encoding.UTF8.GetString(bytes);
            foreach (var values in new[] { raw, normalised })
            {
                Assert.Equal(-1, bytes.AsSpan().IndexOf(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())));
                Assert.DoesNotContain(values[0].ToString("R", System.Globalization.CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
            }
        }
    }

    private static async Task<bool> MatchAsync(HttpClient client, float[] embedding)
    {
        var response = await client.PostAsync("/v1/verification", Body("face-1", embedding), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("match").GetBoolean();
    }

    private static HttpContent Body(string subject, float[] embedding) => Json.Of(new { subject, embedding });

    private static float[] Vector(Random random, double norm) =>
        [.. Enumerable.Range(0, 128).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()) * norm / Math.Sqrt(128)))];
}
