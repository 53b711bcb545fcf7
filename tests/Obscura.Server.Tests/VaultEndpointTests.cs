using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Obscura.Governance.Access;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>The training-data vault through the real server: raw blob upload above the JSON body limit, gated reads, exports, shredding.</summary>
public sealed class VaultEndpointTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_100_KB_image_goes_in_and_out_the_subset_is_exported_and_erasure_shreds_it()
    {
        using var controller = server.As(Role.Controller);
        using var processor = server.As(Role.Processor);
        using var auditor = server.As(Role.Auditor);
        await controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.IdentityVerification), Ct);
        await controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.ModelTraining), Ct);
        await controller.PostAsync("/v1/assessments", Json.Of(SamplePurposes.TrainingReuseAssessment), Ct);
        Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/subjects", Json.Raw("""{"id":"vault-1"}"""), Ct)).StatusCode);
        var image = new byte[100 * 1024];
        new Random(3).NextBytes(image);
        HttpContent Blob()
        {
            var content = new ByteArrayContent(image);
            content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            return content;
        }

        const string Ingest = "/v1/vault/objects?subject=vault-1&purpose=identity-verification&source=branch-1&label=site%3Doslo";
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await processor.PostAsync(Ingest, Blob(), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync("/v1/subjects/vault-1/consents", Json.Raw("""{"purpose":"identity-verification","noticeVersion":"n1","explicit":true,"channel":"app"}"""), Ct)).StatusCode);
        var created = await processor.PostAsync(Ingest, Blob(), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString()!;

        var read = await processor.GetAsync($"/v1/vault/objects/{id}?purpose=model-training", Ct);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("image/jpeg", read.Content.Headers.ContentType?.MediaType);
        Assert.Equal(image, await read.Content.ReadAsByteArrayAsync(Ct));
        // The larger limit is for blob uploads only: a 100 KB JSON body elsewhere is still refused.
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await controller.PostAsync("/v1/vault/policies", new ByteArrayContent(image), Ct)).StatusCode);

        var policy = await controller.PostAsync("/v1/vault/policies", Json.Raw("""{"purpose":"model-training","fraction":1.0,"justification":"The one record is needed for this test.","approvedBy":"dpo"}"""), Ct);
        Assert.True(policy.StatusCode == HttpStatusCode.OK, await policy.Content.ReadAsStringAsync(Ct));
        var recorded = JsonDocument.Parse(await (await auditor.GetAsync("/v1/ledger/entries?limit=1000", Ct)).Content.ReadAsStringAsync(Ct)).RootElement
            .EnumerateArray().Select(e => e.GetProperty("event")).Single(e => e.TryGetProperty("to", out var to) && to.GetString() == "vault:policies");
        Assert.Equal(("apikey:controller", "minimisation-policy", "model-training"), (recorded.GetProperty("actor").GetString(), recorded.GetProperty("dataCategory").GetString(), recorded.GetProperty("purpose").GetString()));
        var export = await controller.PostAsync("/v1/vault/exports", Json.Raw("""{"run":"http-run","purpose":"model-training","fields":["payload","label:site"]}"""), Ct);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal(1, JsonDocument.Parse(await export.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("records").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await controller.PostAsync("/v1/vault/exports", Json.Raw("""{"run":"bad","purpose":"model-training","fields":["face"]}"""), Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync("/v1/vault/subjects/vault-1/shred", Json.Raw("""{"reason":"erasure"}"""), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await processor.GetAsync($"/v1/vault/objects/{id}?purpose=model-training", Ct)).StatusCode);
        var report = JsonDocument.Parse(await (await auditor.GetAsync("/v1/vault/report", Ct)).Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(0, report.GetProperty("exports")[0].GetProperty("records").GetInt32());
        Assert.Contains(report.GetProperty("deletions").EnumerateArray(), d => d.GetProperty("reason").GetString() == "erasure:key-destroyed");
        Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync("/v1/vault/retention/run", null, Ct)).StatusCode);
    }

    [Fact]
    public async Task An_undeclared_category_is_refused_with_422_and_a_source_the_ledger_cannot_hold_is_a_400_that_stores_nothing()
    {
        using var controller = server.As(Role.Controller);
        using var auditor = server.As(Role.Auditor);
        await controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.IdentityVerification), Ct);
        await controller.PostAsync("/v1/purposes", Json.Of(SamplePurposes.ModelTraining), Ct);
        Assert.Equal(HttpStatusCode.Created, (await controller.PostAsync("/v1/subjects", Json.Raw("""{"id":"vault-2"}"""), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await controller.PostAsync("/v1/subjects/vault-2/consents", Json.Raw("""{"purpose":"identity-verification","noticeVersion":"n1","explicit":true,"channel":"app"}"""), Ct)).StatusCode);
        var objects = Path.Combine(server.DataDirectory, "vault", "objects");
        int Files() => Directory.Exists(objects) ? Directory.GetFiles(objects, "*", SearchOption.AllDirectories).Length : 0;
        async Task<int> StoredAsync() => JsonDocument.Parse(await (await auditor.GetAsync("/v1/vault/report", Ct)).Content.ReadAsStringAsync(Ct)).RootElement
            .GetProperty("stored").EnumerateArray().Sum(p => p.GetProperty("objects").GetInt32());
        static HttpContent Blob() => new ByteArrayContent(new byte[1024]) { Headers = { ContentType = new MediaTypeHeaderValue("image/jpeg") } };
        var files = Files();
        var stored = await StoredAsync();

        // Model training (legitimate interests) declares only face-image: health data under it is refused, by name.
        var health = await controller.PostAsync("/v1/vault/objects?subject=vault-2&purpose=model-training&source=branch-1&category=health", Blob(), Ct);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, health.StatusCode);
        var detail = JsonDocument.Parse(await health.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("detail").GetString();
        Assert.Contains("'health'", detail, StringComparison.Ordinal);
        Assert.Contains("'model-training'", detail, StringComparison.Ordinal);

        // "source:" + 122 characters would be one character more than a ledger token holds.
        var longSource = await controller.PostAsync($"/v1/vault/objects?subject=vault-2&purpose=identity-verification&source={new string('s', 122)}", Blob(), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, longSource.StatusCode);
        Assert.Contains("source", await longSource.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        Assert.Equal(files, Files());
        Assert.Equal(stored, await StoredAsync());
    }

    [Fact]
    public async Task A_vault_that_failed_to_open_is_opened_on_a_later_request()
    {
        using var fresh = new ServerFixture();
        var blocker = Path.Combine(fresh.DataDirectory, "vault");
        await File.WriteAllTextAsync(blocker, "not a folder", Ct); // the vault folder cannot be created
        using var auditor = fresh.As(Role.Auditor);
        HttpStatusCode? first;
        try
        {
            first = (await auditor.GetAsync("/v1/vault/report", Ct)).StatusCode;
        }
        catch (IOException)
        {
            first = null; // the test host may surface the failure itself
        }

        Assert.NotEqual(HttpStatusCode.OK, first);
        File.Delete(blocker);
        Assert.Equal(HttpStatusCode.OK, (await auditor.GetAsync("/v1/vault/report", Ct)).StatusCode);
    }
}
