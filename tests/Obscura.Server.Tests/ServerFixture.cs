using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Governance.Access;
using Obscura.Governance.Serialization;
using Obscura.Governance.Subjects;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>The real server over a real SQLite data folder, with one API key per role.</summary>
public class ServerFixture : WebApplicationFactory<Program>
{
    private readonly TempDirectory _dir = new();
    private readonly Dictionary<string, string> _keys = [];

    public string DataDirectory => _dir.Path;

    public HttpClient Anonymous() => CreateClient();

    public HttpClient As(Role role, SubjectId? subject = null)
    {
        var key = KeyOf(role, subject);
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>The fixture's API key for <paramref name="role"/> (created on first use).</summary>
    public string KeyOf(Role role, SubjectId? subject = null)
    {
        var name = subject is { } s ? $"subject-{s}" : role.ToString().ToLowerInvariant();
        if (!_keys.TryGetValue(name, out var key))
        {
            var keys = Services.GetRequiredService<ApiKeys>();
            key = keys.CreateAsync(name, role, subject, CancellationToken.None).GetAwaiter().GetResult().Value.Key;
            _keys[name] = key;
        }

        return key;
    }

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(GovernanceJson.Options))!;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Obscura:DataDirectory", _dir.Path);
        builder.UseSetting("Obscura:MaxRequestBodyBytes", "8192");

        // The first biometric request of a fresh folder creates the provider keys: clients wait for it however loaded
        // the machine is (no client timeout to outrun).
        builder.UseEnvironment("Production");
        Configure(builder);
    }

    /// <inheritdoc/>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.Timeout = Timeout.InfiniteTimeSpan;
    }

    /// <summary>Extra settings of a derived fixture.</summary>
    protected virtual void Configure(IWebHostBuilder builder)
    {
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _dir.Dispose();
        }
    }
}
