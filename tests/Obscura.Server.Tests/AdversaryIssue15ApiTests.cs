using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Governance.Access;
using Obscura.ModelPrivacy.Serving;
using Obscura.ModelPrivacy.Training;

namespace Obscura.Server.Tests;

/// <summary>
/// Issue 15 part 3, adversarial review of the model API over HTTP (the domain attacks are in
/// <c>Obscura.ModelPrivacy.Tests.AdversaryIssue15ApiTests</c>; the role matrix in <see cref="AccessControlTests"/>).
/// </summary>
public sealed class AdversaryIssue15ApiTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly Classifier Tiny = new(4, 3);

    private static async Task RegisterAsync(HttpClient controller, string id, string output)
    {
        var bytes = ModelFile.Serialize(Tiny, [.. Enumerable.Range(0, Tiny.ParameterCount).Select(i => 0.1f * ((i % 5) - 2))], new ModelMetadata(DateTimeOffset.UnixEpoch, null, null, 10));
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync($"/v1/models?id={id}&output={output}", content, TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await controller.PutAsync($"/v1/models/{id}/keys/processor/policy", Json.Raw($$"""{"output":"{{output}}","ratePerSecond":0,"unlimited":true}"""), TestContext.Current.CancellationToken)).StatusCode);
    }

    /// <summary>
    /// FINDING 2 over HTTP (fixed in the registry): a huge but finite feature is a 400 problem that does not echo the
    /// value, and the key keeps working afterwards (it used to wedge the key's monitoring into HTTP 500s).
    /// </summary>
    [Fact]
    public async Task A_huge_finite_feature_is_a_bad_request_and_the_key_keeps_working()
    {
        var ct = TestContext.Current.CancellationToken;
        using var controller = server.As(Role.Controller);
        await RegisterAsync(controller, "adv-huge", "raw");
        using var processor = server.As(Role.Processor);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await processor.PostAsync("/v1/models/adv-huge/predict", Json.Raw($$"""{"features":[0.{{i}}1,0.5,0.25,1]}"""), ct)).StatusCode);
        }

        var refused = await processor.PostAsync("/v1/models/adv-huge/predict", Json.Raw("""{"features":[3.3e38,3.3e38,0,0]}"""), ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("3.3", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

        var wrong = await processor.PostAsync("/v1/models/adv-huge/predict", Json.Raw("""{"features":[0.7123,0.4567,0.3141]}"""), ct);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.DoesNotContain("7123", await wrong.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await processor.PostAsync("/v1/models/adv-huge/predict", Json.Raw($$"""{"features":[0.{{i}}3,0.5,0.75,0]}"""), ct)).StatusCode);
        }
    }

    /// <summary>
    /// FINDING 1 over HTTP (fixed in the shaper): "-0" in the JSON body is the same question as "0", with the same noise.
    /// Each spelling is asked by its own key: a 4-input model's score budget is one answer with scores per key (five solve
    /// it), which the last request checks over HTTP.
    /// </summary>
    [Fact]
    public async Task Negative_zero_in_the_body_gets_the_same_noisy_answer_as_zero()
    {
        var ct = TestContext.Current.CancellationToken;
        using var controller = server.As(Role.Controller);
        await RegisterAsync(controller, "adv-noisy", "noisy:0.2");
        var keys = server.Services.GetRequiredService<ApiKeys>();
        var answers = new List<string>();
        HttpClient? last = null;
        foreach (var (body, i) in new[] { """{"features":[0.5,0,0,0]}""", """{"features":[0.5,-0,0,0]}""", """{"features":[0.5,-0.0,-0,-0e3]}""" }.Select((b, i) => (b, i)))
        {
            var key = (await keys.CreateAsync($"adv-noisy-{i}", Role.Processor, null, ct)).Value!.Key;
            last?.Dispose();
            last = server.CreateClient();
            last.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            var answer = await (await last.PostAsync("/v1/models/adv-noisy/predict", Json.Raw(body), ct)).Content.ReadFromJsonAsync<JsonElement>(ct);
            answers.Add(answer.GetProperty("scores").GetRawText());
        }

        // The key's second answer is past its score budget: a label, no scores.
        var second = await (await last!.PostAsync("/v1/models/adv-noisy/predict", Json.Raw("""{"features":[0.1,0.2,0.3,0.4]}"""), ct)).Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.True(second.TryGetProperty("label", out _), second.GetRawText());
        Assert.True(!second.TryGetProperty("scores", out var scores) || scores.ValueKind == JsonValueKind.Null, second.GetRawText());
        last.Dispose();

        Assert.All(answers, a => Assert.Equal(answers[0], a));
    }
}
