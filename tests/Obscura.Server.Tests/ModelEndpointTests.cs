using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Obscura.Governance.Access;
using Obscura.ModelPrivacy.Serving;
using Obscura.ModelPrivacy.Training;

namespace Obscura.Server.Tests;

/// <summary>The model API over HTTP: registration, policies per model and key, bad input, limits, and two servers on one folder.</summary>
public sealed class ModelEndpointTests(ModelEndpointTests.UnbudgetedServer server) : IClassFixture<ModelEndpointTests.UnbudgetedServer>
{
    private static readonly Classifier Tiny = new(4, 3);

    private static ByteArrayContent ModelFileContent()
    {
        var bytes = ModelFile.Serialize(Tiny, [.. Enumerable.Range(0, Tiny.ParameterCount).Select(i => 0.1f * ((i % 5) - 2))], new ModelMetadata(DateTimeOffset.UnixEpoch, null, null, 10));
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    private async Task RegisterAsync(string id, string query = "")
    {
        using var controller = server.As(Role.Controller);
        var response = await controller.PostAsync($"/v1/models?id={id}{query}", ModelFileContent());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_registered_model_answers_under_its_policy_and_a_key_override()
    {
        await RegisterAsync("shaped");
        using var processor = server.As(Role.Processor);
        var answer = await (await processor.PostAsync("/v1/models/shaped/predict", Json.Raw("""{"features":[1,0.5,0,2]}"""))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(answer.TryGetProperty("scores", out var none) && none.ValueKind != JsonValueKind.Null);
        Assert.Equal("label-only", answer.GetProperty("policy").GetString());

        using var controller = server.As(Role.Controller);
        Assert.Equal(HttpStatusCode.OK, (await controller.PutAsync("/v1/models/shaped/keys/processor/policy", Json.Raw("""{"output":"top-k:2,rounded:1","ratePerSecond":0,"unlimited":true}"""))).StatusCode);
        answer = await (await processor.PostAsync("/v1/models/shaped/predict", Json.Raw("""{"features":[1,0.5,0,2]}"""))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, answer.GetProperty("scores").GetArrayLength());
        Assert.Equal("top-k:2,rounded:1", answer.GetProperty("policy").GetString());

        // The controller's own key still gets the model's policy.
        answer = await (await controller.PostAsync("/v1/models/shaped/predict", Json.Raw("""{"features":[1,0.5,0,2]}"""))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(answer.TryGetProperty("scores", out var stillNone) && stillNone.ValueKind != JsonValueKind.Null);
        var list = await (await controller.GetAsync("/v1/models")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(list.EnumerateArray(), m => m.GetProperty("id").GetString() == "shaped" && m.GetProperty("keyPolicies").TryGetProperty("apikey:processor", out _));
    }

    [Fact]
    public async Task Bad_inputs_get_problem_details_not_answers()
    {
        await RegisterAsync("strict");
        using var processor = server.As(Role.Processor);
        foreach (var body in new[] { """{"features":[1,2,3]}""", """{"features":[1,2,3,4,5]}""", """{"features":[1,"NaN",3,4]}""", """{"features":[1e39,0,0,0]}""", """{}""", """{"features":"x"}""", "not json" })
        {
            var response = await processor.PostAsync("/v1/models/strict/predict", Json.Raw(body));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{body}: {response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        var huge = "{\"features\":[" + string.Join(',', Enumerable.Repeat("0.5", 5000)) + "]}";
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await processor.PostAsync("/v1/models/strict/predict", Json.Raw(huge))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await processor.PostAsync("/v1/models/absent/predict", Json.Raw("""{"features":[1,2,3,4]}"""))).StatusCode);

        using var controller = server.As(Role.Controller);
        var truncated = new ByteArrayContent((await ModelFileContent().ReadAsByteArrayAsync())[..^3]);
        var refused = await controller.PostAsync("/v1/models?id=truncated", truncated);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("checksum", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await controller.PutAsync("/v1/models/strict/policy", Json.Raw("""{"output":"everything"}"""))).StatusCode);

        // A model file replaced on disk after registration is not served.
        await RegisterAsync("tampered");
        var other = ModelFile.Serialize(Tiny, new float[Tiny.ParameterCount], new ModelMetadata(DateTimeOffset.UnixEpoch, null, null, 10));
        await File.WriteAllBytesAsync(Path.Combine(server.DataDirectory, "classifiers", "tampered.obm"), other, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await processor.PostAsync("/v1/models/tampered/predict", Json.Raw("""{"features":[1,2,3,4]}"""))).StatusCode);
    }

    [Fact]
    public async Task An_onnx_classifier_pinned_on_registration_answers_as_the_native_model_under_the_same_policies()
    {
        float[] parameters = [.. Enumerable.Range(0, Tiny.ParameterCount).Select(i => 0.1f * ((i % 5) - 2))];
        var onnx = Obscura.ModelPrivacy.Onnx.OnnxModelWriter.Serialize(Tiny, parameters);
        var sha = Obscura.ModelPrivacy.Onnx.OnnxClassifier.Sha256Of(onnx);
        await RegisterAsync("native-twin", "&output=raw");
        using var controller = server.As(Role.Controller);
        using var processor = server.As(Role.Processor);

        // Pinned: another hash, a wrong input size, missing labels or an unknown score kind is a 400 problem.
        foreach (var query in new[] { $"sha256={new string('0', 64)}&inputs=4&labels=a,b,c", $"sha256={sha}&inputs=5&labels=a,b,c", $"sha256={sha}&inputs=4&labels=a", $"sha256={sha}&inputs=4&labels=a,b,c&scores=odds" })
        {
            var bad = await controller.PostAsync($"/v1/models/onnx?id=bad&{query}", new ByteArrayContent(onnx));
            Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, $"{query}: {bad.StatusCode}");
            Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        }

        var registered = await controller.PostAsync($"/v1/models/onnx?id=onnx-twin&sha256={sha}&inputs=4&labels=cat,dog,bird&output=raw", new ByteArrayContent(onnx));
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        var view = await registered.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("onnx", view.GetProperty("format").GetString());
        Assert.Equal(sha, view.GetProperty("sha256").GetString());

        foreach (var features in new[] { "[1,0.5,0,2]", "[-3,2,0.25,1]", "[0,0,0,0]" })
        {
            var native = await (await processor.PostAsync("/v1/models/native-twin/predict", Json.Raw($$"""{"features":{{features}}}"""))).Content.ReadFromJsonAsync<JsonElement>();
            var copy = await (await processor.PostAsync("/v1/models/onnx-twin/predict", Json.Raw($$"""{"features":{{features}}}"""))).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(native.GetProperty("label").GetInt32(), copy.GetProperty("label").GetInt32());
            Assert.Equal(new[] { "cat", "dog", "bird" }[copy.GetProperty("label").GetInt32()], copy.GetProperty("labelName").GetString());
            foreach (var (n, c) in native.GetProperty("scores").EnumerateArray().Zip(copy.GetProperty("scores").EnumerateArray()))
            {
                Assert.Equal(n.GetProperty("class").GetInt32(), c.GetProperty("class").GetInt32());
                Assert.Equal(n.GetProperty("score").GetDouble(), c.GetProperty("score").GetDouble(), 5);
            }
        }

        // A per-key policy and a total limit apply to it as to any model.
        Assert.Equal(HttpStatusCode.OK, (await controller.PutAsync("/v1/models/onnx-twin/keys/processor/policy", Json.Raw("""{"output":"label-only","ratePerSecond":0,"maxQueries":4}"""))).StatusCode);
        var labelOnly = await (await processor.PostAsync("/v1/models/onnx-twin/predict", Json.Raw("""{"features":[1,2,3,4]}"""))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(labelOnly.TryGetProperty("scores", out var none) && none.ValueKind != JsonValueKind.Null);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await processor.PostAsync("/v1/models/onnx-twin/predict", Json.Raw("""{"features":[1,2,3,4]}"""))).StatusCode);

        // The file replaced on disk after registration is not served, by a server that loads it afresh.
        await File.WriteAllBytesAsync(Path.Combine(server.DataDirectory, "classifiers", "onnx-twin.onnx"), Obscura.ModelPrivacy.Onnx.OnnxModelWriter.Serialize(Tiny, new float[Tiny.ParameterCount]), TestContext.Current.CancellationToken);
        using var second = new SharedFolderServer(server.DataDirectory);
        using var other = second.CreateClient();
        other.DefaultRequestHeaders.Authorization = controller.DefaultRequestHeaders.Authorization;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await other.PostAsync("/v1/models/onnx-twin/predict", Json.Raw("""{"features":[1,2,3,4]}"""))).StatusCode);
    }

    [Fact]
    public async Task Limits_hold_across_two_servers_on_one_data_folder()
    {
        await RegisterAsync("limited", "&output=raw");
        using var controller = server.As(Role.Controller);
        Assert.Equal(HttpStatusCode.OK, (await controller.PutAsync("/v1/models/limited/policy", Json.Raw("""{"output":"raw","ratePerSecond":0.001,"burst":3,"maxQueries":100}"""))).StatusCode);
        using var second = new SharedFolderServer(server.DataDirectory);
        using var first = server.As(Role.Processor);
        using var other = second.CreateClient();
        other.DefaultRequestHeaders.Authorization = first.DefaultRequestHeaders.Authorization;

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add((await (i % 2 == 0 ? first : other).PostAsync("/v1/models/limited/predict", Json.Raw("""{"features":[1,2,3,4]}"""))).StatusCode);
        }

        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.OK));
        var refused = await other.PostAsync("/v1/models/limited/predict", Json.Raw("""{"features":[1,2,3,4]}"""));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1000), refused.Headers.RetryAfter?.Delta); // 1 / 0.001 tokens a second
    }

    [Fact]
    public async Task The_openapi_document_describes_the_model_api_and_its_errors()
    {
        using var anonymous = server.Anonymous();
        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var predict = document.GetProperty("paths").GetProperty("/v1/models/{id}/predict").GetProperty("post");
        Assert.Contains("429", predict.GetProperty("description").GetString(), StringComparison.Ordinal);
        var responses = predict.GetProperty("responses");
        foreach (var status in new[] { "200", "400", "413", "429" })
        {
            Assert.True(responses.TryGetProperty(status, out _), $"no {status} response");
        }

        Assert.True(predict.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(document.GetProperty("paths").TryGetProperty("/v1/models/{id}/keys/{key}/policy", out _));
    }

    /// <summary>
    /// The server with a score budget too large to reach: these tests share one model file and the processor key, so the
    /// default budget (1 scored answer for 4 inputs, counted per key and model file) made the key override test depend
    /// on whether the limits test ran first. The budget itself is tested in <c>AdversaryIssue15ApiTests</c>.
    /// </summary>
    public sealed class UnbudgetedServer : ServerFixture
    {
        protected override void Configure(IWebHostBuilder builder) => builder.UseSetting("Obscura:ModelScoreAnswerShare", "1000");
    }

    /// <summary>A second server process's view: the same data folder as the fixture's.</summary>
    private sealed class SharedFolderServer(string folder) : ServerFixture
    {
        protected override void Configure(IWebHostBuilder builder) => builder.UseSetting("Obscura:DataDirectory", folder);
    }
}
