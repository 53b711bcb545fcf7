using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Biometrics.Decisions;
using Obscura.Server.Hosting;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>The three role services, each a real server in its own folder, configured with a credential for every calling role.</summary>
public sealed class RoleServicesFixture : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly Dictionary<ServerRole, WebApplicationFactory<Program>> _hosts = [];

    public RoleServicesFixture()
    {
        using var attester = ComparisonAttester.Ephemeral();
        AttestationKey = Convert.ToBase64String(attester.PublicKey);
    }

    /// <summary>Each calling role's own secret.</summary>
    public static IReadOnlyDictionary<CallingRole, string> Credentials { get; } = Enum.GetValues<CallingRole>().ToDictionary(r => r, r => $"credential-of-the-{r}-role-0123456789abcdef");

    public string AttestationKey { get; }

    public WebApplicationFactory<Program> Host(ServerRole role)
    {
        lock (_hosts)
        {
            if (!_hosts.TryGetValue(role, out var host))
            {
                host = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
                {
                    b.UseSetting("Obscura:DataDirectory", Path.Combine(_dir.Path, role.ToString()));
                    b.UseSetting("Obscura:Role", role.ToString());
                    foreach (var (caller, secret) in Credentials)
                    {
                        b.UseSetting($"Obscura:RoleCredentials:{caller}", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))));
                    }

                    if (role == ServerRole.KeyHolder)
                    {
                        b.UseSetting("Obscura:ComparisonAttestationKey", AttestationKey);
                    }

                    if (role == ServerRole.Comparison)
                    {
                        // Nothing listens here: refused calls never get this far, and admitted ones fail before the key holder is needed.
                        b.UseSetting("Obscura:KeyHolderUrl", "http://127.0.0.1:9");
                        b.UseSetting("Obscura:RoleCredential", Credentials[CallingRole.Comparison]);
                    }

                    b.UseEnvironment("Production");
                });
                _hosts[role] = host;
            }

            return host;
        }
    }

    public HttpClient Client(ServerRole role, string? credential)
    {
        var client = Host(role).CreateClient();
        if (credential is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        }

        return client;
    }

    public void Dispose()
    {
        foreach (var host in _hosts.Values)
        {
            host.Dispose();
        }

        _dir.Dispose();
    }
}

/// <summary>
/// Issue 12, finding 2: one shared service token let storage ask the key holder for seals. Each calling role now has
/// its own credential, and each role-service route admits only the roles of its row: every (calling role × route) pair
/// is tried, plus no credential and an unknown one.
/// </summary>
public sealed class RoleMatrixTests(RoleServicesFixture roles) : IClassFixture<RoleServicesFixture>
{
    private static readonly CallingRole[] Everyone = Enum.GetValues<CallingRole>();

    /// <summary>Every role-service route and the calling roles admitted to it. A new route must be added here (checked below).</summary>
    private static readonly (ServerRole Host, string Method, string Route, string Path, string? Body, CallingRole[] Allowed)[] Matrix =
    [
        (ServerRole.KeyHolder, "GET", "/v1/roles/keys/public", "/v1/roles/keys/public", null, [CallingRole.Capture, CallingRole.Comparison]),
        (ServerRole.KeyHolder, "GET", "/v1/roles/keys/evaluation/{encryptionKeyId}", "/v1/roles/keys/evaluation/hek_unknown", null, [CallingRole.Comparison]),
        (ServerRole.KeyHolder, "GET", "/v1/roles/keys/rotation/{fromKeyId}/{toKeyId}", "/v1/roles/keys/rotation/hek_a/hek_b", null, [CallingRole.Comparison]),
        (ServerRole.KeyHolder, "POST", "/v1/roles/keys/seal", "/v1/roles/keys/seal", "{}", [CallingRole.Capture]),
        (ServerRole.KeyHolder, "POST", "/v1/roles/keys/tickets", "/v1/roles/keys/tickets", "{}", [CallingRole.Capture]),
        (ServerRole.KeyHolder, "POST", "/v1/roles/keys/decide", "/v1/roles/keys/decide", "{}", [CallingRole.Comparison]),
        (ServerRole.KeyHolder, "POST", "/v1/roles/keys/rotation", "/v1/roles/keys/rotation", null, [CallingRole.Capture]),
        (ServerRole.KeyHolder, "POST", "/v1/roles/keys/rotation/complete", "/v1/roles/keys/rotation/complete", null, [CallingRole.Capture]),
        (ServerRole.Comparison, "POST", "/v1/roles/comparison/compare", "/v1/roles/comparison/compare", "{}", [CallingRole.Capture]),
        (ServerRole.Comparison, "POST", "/v1/roles/comparison/switch-key", "/v1/roles/comparison/switch-key", "{}", [CallingRole.Capture]),
        (ServerRole.Storage, "PUT", "/v1/roles/storage/templates/{subjectId}", "/v1/roles/storage/templates/s-1", "{}", [CallingRole.Capture]),
        (ServerRole.Storage, "GET", "/v1/roles/storage/templates/{subjectId}", "/v1/roles/storage/templates/s-1", null, [CallingRole.Capture]),
        (ServerRole.Storage, "GET", "/v1/roles/storage/subjects", "/v1/roles/storage/subjects", null, [CallingRole.Capture]),
        (ServerRole.Storage, "DELETE", "/v1/roles/storage/templates/{subjectId}", "/v1/roles/storage/templates/s-1?enrolmentId=enr_unknown", null, [CallingRole.Capture]),
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<int> Rows() => new(Enumerable.Range(0, Matrix.Length));

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Each_role_route_admits_exactly_its_calling_roles_on_their_own_credentials(int row)
    {
        var (host, method, _, path, body, allowed) = Matrix[row];
        foreach (var caller in Everyone)
        {
            using var client = roles.Client(host, RoleServicesFixture.Credentials[caller]);
            var status = (await client.SendAsync(Request(method, path, body), Ct)).StatusCode;
            if (allowed.Contains(caller))
            {
                Assert.True(status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)status < 500, $"{caller} on {method} {path}: {status}, expected admitted (2xx or a domain 4xx)");
            }
            else
            {
                Assert.True(status == HttpStatusCode.Forbidden, $"{caller} on {method} {path}: {status}, expected 403");
            }
        }

        foreach (var credential in new[] { null, "an-unknown-credential-0123456789abcdef0123", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(RoleServicesFixture.Credentials[CallingRole.Capture]))) })
        {
            using var client = roles.Client(host, credential);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Request(method, path, body), Ct)).StatusCode);
        }
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task A_role_route_spelt_in_another_case_still_needs_the_calling_roles_credential(int row)
    {
        // Routing matches paths case-insensitively: /V1/ROLES/keys/seal reaches the seal route. The credential check
        // must not be skipped for it (it once was: the check keyed on an ordinal /v1/roles prefix).
        var (host, method, _, path, body, allowed) = Matrix[row];
        foreach (var spelling in new[] { "/V1/ROLES" + path["/v1/roles".Length..], "/v1/Roles" + path["/v1/roles".Length..], path.ToUpperInvariant() })
        {
            using (var anonymous = roles.Client(host, null))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(Request(method, spelling, body), Ct)).StatusCode);
            }

            foreach (var caller in Everyone.Where(c => !allowed.Contains(c)))
            {
                using var client = roles.Client(host, RoleServicesFixture.Credentials[caller]);
                var status = (await client.SendAsync(Request(method, spelling, body), Ct)).StatusCode;
                Assert.True(status is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"{caller} on {method} {spelling}: {status}, expected 403");
            }
        }
    }

    [Theory]
    [InlineData(ServerRole.KeyHolder)]
    [InlineData(ServerRole.Comparison)]
    [InlineData(ServerRole.Storage)]
    public void Every_role_route_has_a_row_in_the_matrix(ServerRole host)
    {
        var routes = roles.Host(host).Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/v1/roles", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["?"]).Select(m => (m, e.RoutePattern.RawText!)))
            .ToHashSet();
        var rows = Matrix.Where(r => r.Host == host).Select(r => (r.Method, r.Route)).ToHashSet();
        Assert.NotEmpty(routes);
        Assert.Equal(rows.Order(), routes.Order());
    }

    [Fact]
    public void A_shared_service_token_is_refused_at_start_up_with_what_replaces_it()
    {
        using var dir = new TempDirectory();
        using var host = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Obscura:DataDirectory", dir.Path);
            b.UseSetting("Obscura:Role", "Storage");
            b.UseSetting("Obscura:ServiceToken", "test-service-token-0123456789abcdef0123456789");
            b.UseSetting("Obscura:RoleCredentials:Capture", new string('a', 64));
        });
        var error = Assert.ThrowsAny<Exception>(() => host.CreateClient());
        Assert.Contains("Obscura:ServiceToken is no longer accepted", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Obscura:RoleCredential", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_role_service_without_caller_hashes_or_with_one_hash_for_two_roles_does_not_start()
    {
        using var dir = new TempDirectory();
        foreach (var (settings, expected) in new (Dictionary<string, string> Settings, string Expected)[]
        {
            ([], "admits only known callers"),
            (new() { ["Obscura:RoleCredentials:Capture"] = new string('a', 64), ["Obscura:RoleCredentials:Comparison"] = new string('a', 64) }, "every role needs its own credential"),
            (new() { ["Obscura:RoleCredentials:Capture"] = "not-a-hash" }, "64 hex digits"),
        })
        {
            using var host = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            {
                b.UseSetting("Obscura:DataDirectory", dir.Path);
                b.UseSetting("Obscura:Role", "Storage");
                foreach (var (key, value) in settings)
                {
                    b.UseSetting(key, value);
                }
            });
            Assert.Contains(expected, Assert.ThrowsAny<Exception>(() => host.CreateClient()).ToString(), StringComparison.Ordinal);
        }
    }

    private static HttpRequestMessage Request(string method, string path, string? body) =>
        new(new HttpMethod(method), path) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") };
}
