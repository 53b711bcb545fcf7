using System.Net;
using System.Text.Json;
using Obscura.Governance.Access;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

public sealed class MalformedInputTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData("""{"id":""", "id")]
    [InlineData("""{"id":"has space"}""", "id")]
    [InlineData("""{"id":42}""", "id")]
    [InlineData("""{"id":"ok","extra":1}""", "extra")]
    [InlineData("not json", "body")]
    [InlineData("[]", "body")]
    public async Task Malformed_subject_bodies_get_400_naming_the_field(string body, string field)
    {
        using var client = server.As(Role.Controller);
        var response = await client.PostAsync("/v1/subjects", Json.Raw(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData(" null ")]
    public async Task An_empty_or_null_subject_body_gets_400_and_registers_no_one(string body)
    {
        using var client = server.As(Role.Controller);
        var before = (await client.GetStringAsync("/v1/subjects?limit=1000")).Length;
        var response = await client.PostAsync("/v1/subjects", Json.Raw(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty("body", out var errors), problem.ToString());
        Assert.Contains("{\"id\":null}", errors[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before, (await client.GetStringAsync("/v1/subjects?limit=1000")).Length);
    }

    [Fact]
    public async Task Only_an_explicit_null_id_registers_a_subject_under_a_fresh_random_id()
    {
        using var client = server.As(Role.Controller);
        var response = await client.PostAsync("/v1/subjects", Json.Raw("""{"id":null}"""));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        Assert.StartsWith("sub_", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString(), StringComparison.Ordinal);

        var empty = await client.PostAsync("/v1/subjects", Json.Raw("{}"));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("'id'", await empty.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Role.Controller, "/v1/subjects?limit=0")]
    [InlineData(Role.Controller, "/v1/subjects?limit=-1")]
    [InlineData(Role.Controller, "/v1/subjects?limit=1001")]
    [InlineData(Role.Auditor, "/v1/ledger/entries?limit=0")]
    [InlineData(Role.Auditor, "/v1/ledger/entries?limit=-1")]
    [InlineData(Role.Auditor, "/v1/ledger/subjects/s-paged/entries?limit=0")]
    [InlineData(Role.Auditor, "/v1/ledger/subjects/s-paged/entries?limit=-1")]
    public async Task A_page_size_outside_1_to_1000_gets_400_naming_the_limit(Role role, string path)
    {
        using var client = server.As(role);
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty("limit", out var errors), problem.ToString());
        Assert.Contains("1000", errors[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_vault_upload_gets_400_naming_the_servers_own_limit()
    {
        using var client = server.As(Role.Controller);
        using var empty = new ByteArrayContent([]);
        empty.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/jpeg");
        var response = await client.PostAsync("/v1/vault/objects?subject=s-empty&purpose=identity-verification&source=cam-1", empty);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty("body", out var errors), problem.ToString());
        Assert.Contains("16777216 bytes", errors[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lawfulBasis", "\"Consent\"", "1")]
    [InlineData("lawfulBasis", "\"Consent\"", "\"Whim\"")]
    [InlineData("retention", "365", "0")]
    [InlineData("retention", "365", "\"a year\"")]
    [InlineData("dataCategories", "[\"face-image\",\"biometric-template\"]", "[\"Face Image\"]")]
    public async Task Purpose_fields_of_the_wrong_shape_get_400_naming_the_field(string field, string good, string bad)
    {
        using var client = server.As(Role.Controller);
        var json = JsonSerializer.Serialize(SamplePurposes.IdentityVerification, Governance.Serialization.GovernanceJson.Options);
        Assert.Contains($"\"{field}\":{good}", json, StringComparison.Ordinal);
        var response = await client.PostAsync("/v1/purposes", Json.Raw(json.Replace($"\"{field}\":{good}", $"\"{field}\":{bad}", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.Contains(errors.EnumerateObject(), p => p.Name.StartsWith(field, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_required_field_gets_400()
    {
        using var client = server.As(Role.Controller);
        var response = await client.PostAsync("/v1/purposes", Json.Raw("""{"id":"x-purpose","name":"X"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Domain_validation_errors_name_the_field()
    {
        using var client = server.As(Role.Controller);
        var response = await client.PostAsync("/v1/purposes", Json.Of(SamplePurposes.IdentityVerification with { Name = "" }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("name", out _));
    }

    [Fact]
    public async Task A_prohibited_purpose_is_refused_with_422_and_its_citation()
    {
        using var client = server.As(Role.Controller);
        var response = await client.PostAsync("/v1/purposes", Json.Of(SamplePurposes.StoreAnalytics with
        {
            Id = Governance.Purposes.PurposeId.Parse("scrape-faces"),
            Practices = [Governance.Purposes.ProcessingPractice.UntargetedFacialImageScraping],
        }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("5(1)(e)", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("citation").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_ids_in_routes_and_queries_get_400_not_500()
    {
        using var client = server.As(Role.Controller);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/v1/subjects/bad%20id/consents")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/v1/decisions?subject=a&purpose=NOT_A_SLUG")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/v1/decisions?purpose=identity-verification")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/v1/ledger/proofs/inclusion?leafIndex=abc")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/v1/ledger/proofs/inclusion?leafIndex=999999")).StatusCode);
    }

    [Fact]
    public async Task Oversized_bodies_are_refused_with_413()
    {
        using var client = server.As(Role.Controller);
        var big = "{\"id\":\"" + new string('a', 20_000) + "\"}";
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.PostAsync("/v1/subjects", Json.Raw(big))).StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_is_served_and_describes_ids_as_strings()
    {
        using var client = server.Anonymous();
        var doc = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement;
        Assert.True(doc.GetProperty("paths").TryGetProperty("/v1/subjects", out _));
        Assert.True(doc.GetProperty("paths").TryGetProperty("/v1/ledger/proofs/inclusion", out _));
        Assert.Equal("string", doc.GetProperty("components").GetProperty("schemas").GetProperty("SubjectId").GetProperty("type").GetString());
    }
}
