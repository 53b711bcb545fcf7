using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Obscura.Server.Tests;

/// <summary>A browser stand-in for the console: keeps cookies, follows no redirect, reads and posts forms.</summary>
internal sealed partial class ConsoleClient : IDisposable
{
    public const string SessionCookie = "obscura-console";

    private ConsoleClient(HttpClient http, CookieContainer? cookies)
    {
        Http = http;
        Cookies = cookies;
    }

    public HttpClient Http { get; }

    /// <summary>The cookie jar, when this client keeps its own (see <see cref="WithJar"/>).</summary>
    public CookieContainer? Cookies { get; }

    public static ConsoleClient For(ServerFixture server, bool https = false) =>
        new(server.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = new Uri(https ? "https://localhost" : "http://localhost") }), null);

    /// <summary>A client whose cookies the test can read and plant.</summary>
    public static ConsoleClient WithJar(ServerFixture server)
    {
        var jar = new CookieContainer();
        var handler = new CookieHandler(jar) { InnerHandler = server.Server.CreateHandler() };
        return new ConsoleClient(new HttpClient(handler) { BaseAddress = new Uri("http://localhost") }, jar);
    }

    public string? SessionId => Cookies?.GetCookies(new Uri("http://localhost/console"))[SessionCookie]?.Value is { Length: > 0 } v ? v : null;

    /// <summary>The antiforgery token in the first form of <paramref name="path"/>.</summary>
    public async Task<string> TokenAsync(string path)
    {
        var html = await Http.GetStringAsync(path);
        var match = Token().Match(html);
        Assert.True(match.Success, $"No antiforgery token on {path}");
        return match.Groups[1].Value;
    }

    public Task<HttpResponseMessage> PostAsync(string path, params (string Name, string Value)[] fields) =>
        Http.PostAsync(path, new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))));

    public async Task<HttpResponseMessage> SignInAsync(string key) =>
        await PostAsync("/console/login", ("apiKey", key), ("__af", await TokenAsync("/console/login")));

    public void Dispose() => Http.Dispose();

    [GeneratedRegex("name=\"__af\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    /// <summary>Keeps cookies in a jar the test can see (the factory's own handler hides its jar).</summary>
    private sealed class CookieHandler(CookieContainer jar) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var header = jar.GetCookieHeader(request.RequestUri!);
            if (header.Length > 0)
            {
                request.Headers.Add("Cookie", header);
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var cookies))
            {
                foreach (var cookie in cookies)
                {
                    jar.SetCookies(request.RequestUri!, cookie);
                }
            }

            return response;
        }
    }
}
