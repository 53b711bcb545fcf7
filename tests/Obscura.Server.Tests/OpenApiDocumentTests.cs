using System.Net;
using System.Text.Json;
using Obscura.Governance.Access;

namespace Obscura.Server.Tests;

/// <summary>
/// The OpenAPI document names every error an operation can give, with a problem-details body, and what it names is
/// what the server does: every operation is called without a key, with a key of a role it refuses, and with a
/// malformed body, and the status each answer has is documented for that operation.
/// </summary>
public sealed class OpenApiDocumentTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_operation_that_needs_a_key_documents_401_403_and_429_as_problem_details()
    {
        var operations = await OperationsAsync();
        Assert.True(operations.Count > 30, $"only {operations.Count} operations");

        foreach (var (method, path, operation) in operations.Where(o => o.Path.StartsWith("/v1/", StringComparison.Ordinal) && o.Path != "/v1/ledger/public-key"))
        {
            foreach (var status in new[] { "401", "403", "429" })
            {
                Assert.True(Responses(operation).TryGetProperty(status, out var response), $"{method} {path} does not document {status}");
                Assert.True(response.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{method} {path} {status} has no problem+json body");
                Assert.False(string.IsNullOrWhiteSpace(response.GetProperty("description").GetString()));
            }
        }
    }

    [Fact]
    public async Task Operations_with_a_body_document_400_and_413_and_governance_outcomes_document_404_409_and_422()
    {
        var operations = (await OperationsAsync()).ToDictionary(o => (o.Method, o.Path), o => o.Operation);

        foreach (var ((method, path), operation) in operations.Where(o => o.Value.TryGetProperty("requestBody", out _)))
        {
            Assert.True(Responses(operation).TryGetProperty("400", out _), $"{method} {path} does not document 400");
            Assert.True(Responses(operation).TryGetProperty("413", out _), $"{method} {path} does not document 413");
        }

        var consent = Responses(operations[("post", "/v1/subjects/{subjectId}/consents")]);
        Assert.Contains("citation", consent.GetProperty("422").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.True(consent.TryGetProperty("404", out _));
        Assert.True(Responses(operations[("post", "/v1/subjects")]).TryGetProperty("409", out _));
        Assert.Equal("object", consent.GetProperty("400").GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("type").GetString());

        var verification = Responses(operations[("post", "/v1/verification")]);
        Assert.All(new[] { "404", "409", "410", "422", "429", "502", "503" }, status => Assert.True(verification.TryGetProperty(status, out _), $"verification does not document {status}"));
        Assert.Contains("revoked", verification.GetProperty("410").GetProperty("description").GetString(), StringComparison.Ordinal);

        // The vault upload is a raw body, not JSON: its media types are documented.
        var upload = operations[("post", "/v1/vault/objects")].GetProperty("requestBody").GetProperty("content");
        Assert.True(upload.TryGetProperty("image/jpeg", out _) && upload.TryGetProperty("application/octet-stream", out _));
    }

    [Fact]
    public async Task What_the_server_answers_without_a_key_with_a_refused_role_and_with_a_malformed_body_is_documented()
    {
        var operations = await OperationsAsync();
        using var anonymous = server.Anonymous();
        using var subjectKey = server.As(Role.Subject, Obscura.Governance.Subjects.SubjectId.Parse("s-openapi"));
        var checkedRoles = 0;
        foreach (var (method, path, operation) in operations.Where(o => o.Path.StartsWith("/v1/", StringComparison.Ordinal) && o.Path != "/v1/ledger/public-key"))
        {
            var url = path.Replace("{subjectId}", "s-openapi", StringComparison.Ordinal).Replace("{objectId}", "obj_0", StringComparison.Ordinal)
                .Replace("{leafIndex}", "0", StringComparison.Ordinal);
            url = System.Text.RegularExpressions.Regex.Replace(url, "\\{[^}]+\\}", "x");

            var unauthenticated = await anonymous.SendAsync(Request(method, url, "{}"), Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
            Assert.True(Responses(operation).TryGetProperty("401", out _));

            var subject = await subjectKey.SendAsync(Request(method, url, "{}"), Ct);
            if (subject.StatusCode == HttpStatusCode.Forbidden)
            {
                checkedRoles++;
            }

            Assert.True(Responses(operation).TryGetProperty(((int)subject.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), out _),
                $"{method} {path} answered a subject key {(int)subject.StatusCode}, which it does not document");

            if (operation.TryGetProperty("requestBody", out var body) && body.GetProperty("content").TryGetProperty("application/json", out _))
            {
                using var controller = server.As(Role.Controller);
                var malformed = await controller.SendAsync(Request(method, url, "{not json"), Ct);
                Assert.True(Responses(operation).TryGetProperty(((int)malformed.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), out _),
                    $"{method} {path} answered a malformed body {(int)malformed.StatusCode}, which it does not document");
            }
        }

        Assert.True(checkedRoles > 20, $"only {checkedRoles} operations refused a subject key");
    }

    private static HttpRequestMessage Request(string method, string url, string body)
    {
        var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), url);
        if (method is "post" or "put")
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        return request;
    }

    private static JsonElement Responses(JsonElement operation) => operation.GetProperty("responses");

    private async Task<List<(string Method, string Path, JsonElement Operation)>> OperationsAsync()
    {
        using var client = server.Anonymous();
        var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json", Ct)).RootElement.Clone();
        return [.. document.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject().Select(m => (m.Name, p.Name, m.Value)))];
    }
}
