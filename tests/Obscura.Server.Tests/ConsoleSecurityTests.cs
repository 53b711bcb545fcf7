using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.Server.Console;
using Obscura.TestSupport;

namespace Obscura.Server.Tests;

/// <summary>
/// The console's security rules, without a browser: no page without a session, antiforgery on every form, the
/// controller role on every change, cookie flags, sessions that end on sign-out and on revocation, and hostile text
/// shown encoded. Each rule has an attack here that was watched to fail with its protection removed.
/// </summary>
public sealed class ConsoleSecurityTests : IClassFixture<ServerFixture>
{
    private static readonly SubjectId Customer = SubjectId.Parse("console-customer");
    private static readonly PurposeId Verification = SamplePurposes.IdentityVerification.Id;
    private readonly ServerFixture _server;

    public ConsoleSecurityTests(ServerFixture server)
    {
        _server = server;
        var governance = server.Services.GetRequiredService<GovernanceService>();
        var setup = Actor.Parse("test:setup");
        foreach (var purpose in new[] { SamplePurposes.IdentityVerification, SamplePurposes.HostileNames })
        {
            governance.RegisterPurposeAsync(setup, purpose, CancellationToken.None).GetAwaiter().GetResult();
        }

        governance.RegisterSubjectAsync(setup, Customer, CancellationToken.None).GetAwaiter().GetResult();
    }

    public static TheoryData<string> Pages() =>
    [
        "/console",
        "/console/subjects",
        "/console/subject?id=console-customer",
        "/console/purposes",
        "/console/ledger",
        "/console/ledger?leaf=0",
        "/console/records",
        "/console/records?handler=Markdown",
        "/console/budgets",
        "/console/vault",
        "/console/verification",
        "/console/metrics",
        "/console/reports",
        "/console/report?name=any-report",
        "/console/report?handler=Plot&name=any-report&plot=det",
        "/console/budget?dataset=visits&purpose=store-analytics",
        "/console/budget?handler=Plot&dataset=visits&purpose=store-analytics",
        "/console/store?purpose=store-analytics",
        "/console/store?handler=Plot&purpose=store-analytics&section=visits",
        "/console/logout",
    ];

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task No_console_page_answers_without_a_session_not_even_to_an_api_key(string path)
    {
        using var anonymous = ConsoleClient.For(_server);
        var response = await anonymous.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/console/login", response.Headers.Location?.OriginalString);
        Assert.Empty(await response.Content.ReadAsStringAsync());

        // An API key opens the API, not the pages: only a console session does.
        using var bearer = ConsoleClient.For(_server);
        bearer.Http.DefaultRequestHeaders.Authorization = new("Bearer", _server.KeyOf(Role.Controller));
        Assert.Equal(HttpStatusCode.SeeOther, (await bearer.Http.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task A_console_session_does_not_open_the_http_api()
    {
        using var console = await SignedInAsync(Role.Controller);
        Assert.Equal(HttpStatusCode.Unauthorized, (await console.Http.GetAsync("/v1/subjects")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await console.Http.PostAsync($"/v1/subjects/{Customer}/consents", Json.Raw("""{"purpose":"identity-verification","noticeVersion":"n1","explicit":true,"channel":"app"}"""))).StatusCode);
    }

    [Fact]
    public async Task The_session_cookie_is_an_opaque_httponly_samesite_strict_id_and_secure_over_https()
    {
        var key = _server.KeyOf(Role.Controller);
        using var https = ConsoleClient.For(_server, https: true);
        var response = await https.SignInAsync(key);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(ConsoleCookies.Session + "=", StringComparison.Ordinal));
        var attributes = cookie.Split(';').Select(a => a.Trim().ToLowerInvariant()).ToList();
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("secure", attributes);
        Assert.Contains("path=/console", attributes);
        Assert.DoesNotContain(attributes, a => a.StartsWith("expires", StringComparison.Ordinal) || a.StartsWith("max-age", StringComparison.Ordinal));
        var value = cookie.Split(';')[0][(ConsoleCookies.Session.Length + 1)..];
        Assert.True(value.Length >= 43, "a session id carries at least 256 random bits");
        Assert.DoesNotContain(key.Split('_')[^1], value, StringComparison.Ordinal);
        Assert.DoesNotContain(key.Split('_')[1], value, StringComparison.Ordinal);

        // The antiforgery cookie (set with the first form) is as strict.
        using var first = ConsoleClient.For(_server, https: true);
        var af = (await first.Http.GetAsync("/console/login")).Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(ConsoleCookies.Antiforgery + "=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("samesite=strict", af, StringComparison.Ordinal);
        Assert.Contains("httponly", af, StringComparison.Ordinal);
        Assert.Contains("secure", af, StringComparison.Ordinal);
        Assert.Contains("path=/console", af, StringComparison.Ordinal);

        // Over plain HTTP (the loopback default) the cookie cannot be Secure, or the browser would drop it.
        using var http = ConsoleClient.For(_server);
        var plain = (await http.SignInAsync(key)).Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(ConsoleCookies.Session + "=", StringComparison.Ordinal));
        Assert.DoesNotContain("secure", plain.ToLowerInvariant(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csrf_a_form_post_without_this_sessions_antiforgery_token_changes_nothing()
    {
        using var controller = await SignedInAsync(Role.Controller);
        var grant = $"/console/subject?id={Customer}&handler=Grant";
        (string, string)[] fields = [("purpose", Verification.Value), ("noticeVersion", "n1"), ("channel", "console"), ("explicit", "true")];

        // A cross-site form carries the cookie (were SameSite not there) but cannot read the page to learn the token.
        Assert.Equal(HttpStatusCode.BadRequest, (await controller.PostAsync(grant, fields)).StatusCode);

        // Nor does another user's token (an auditor's, valid for the auditor's session) work for this session.
        using var auditor = await SignedInAsync(Role.Auditor);
        var foreign = await auditor.TokenAsync("/console");
        Assert.Equal(HttpStatusCode.BadRequest, (await controller.PostAsync(grant, [.. fields, ("__af", foreign)])).StatusCode);
        Assert.False(await ConsentGivenAsync(Customer, Verification));

        // Sign-in is a form too: a forged one (login CSRF) starts no session.
        using var fresh = ConsoleClient.For(_server);
        var login = await fresh.PostAsync("/console/login", ("apiKey", _server.KeyOf(Role.Controller)));
        Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
        Assert.False(login.Headers.TryGetValues("Set-Cookie", out var set) && set.Any(c => c.StartsWith(ConsoleCookies.Session + "=", StringComparison.Ordinal)));

        // With the page's own token the same post works: the refusals above were the token's doing.
        var ok = await controller.PostAsync(grant, [.. fields, ("__af", await controller.TokenAsync($"/console/subject?id={Customer}"))]);
        Assert.Equal(HttpStatusCode.Redirect, ok.StatusCode);
        Assert.True(await ConsentGivenAsync(Customer, Verification));
        await _server.Services.GetRequiredService<GovernanceService>().WithdrawConsentAsync(Actor.Parse("test:cleanup"), Customer, Verification, CancellationToken.None);
    }

    [Fact]
    public async Task An_auditor_forging_any_change_with_a_valid_token_is_refused_by_the_server()
    {
        using var auditor = await SignedInAsync(Role.Auditor);
        var token = await auditor.TokenAsync($"/console/subject?id={Customer}");
        var before = await _server.Services.GetRequiredService<GovernanceService>().ListSubjectsAsync(Actor.Parse("test:check"), null, 1000, CancellationToken.None);

        var grant = await auditor.PostAsync($"/console/subject?id={Customer}&handler=Grant", ("purpose", Verification.Value), ("noticeVersion", "n1"), ("channel", "console"), ("explicit", "true"), ("__af", token));
        Assert.Equal(HttpStatusCode.Forbidden, grant.StatusCode);
        Assert.Contains("may not do this", await grant.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await auditor.PostAsync($"/console/subject?id={Customer}&handler=Withdraw", ("purpose", Verification.Value), ("__af", token))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await auditor.PostAsync("/console/subjects?handler=Register", ("id", "auditor-made"), ("__af", token))).StatusCode);

        Assert.False(await ConsentGivenAsync(Customer, Verification));
        var after = await _server.Services.GetRequiredService<GovernanceService>().ListSubjectsAsync(Actor.Parse("test:check"), null, 1000, CancellationToken.None);
        Assert.Equal(before.Value!.Count, after.Value!.Count);

        // The auditor still reads every page, and is shown no form that changes anything.
        var page = await auditor.Http.GetStringAsync($"/console/subject?id={Customer}");
        Assert.DoesNotContain("grant-form", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await auditor.Http.GetAsync("/console/ledger")).StatusCode);
    }

    [Theory]
    [InlineData(Role.Processor)]
    [InlineData(Role.Subject)]
    public async Task Processor_and_subject_keys_cannot_sign_in(Role role)
    {
        using var client = ConsoleClient.For(_server);
        var response = await client.SignInAsync(_server.KeyOf(role, role == Role.Subject ? Customer : null));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await client.Http.GetAsync("/console")).StatusCode);
    }

    [Fact]
    public async Task An_unknown_key_cannot_sign_in()
    {
        using var client = ConsoleClient.For(_server);
        var forged = _server.KeyOf(Role.Controller)[..^4] + "aaaa";
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SignInAsync(forged)).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await client.Http.GetAsync("/console")).StatusCode);
    }

    [Fact]
    public async Task Revoking_a_key_ends_its_sessions_at_their_next_request()
    {
        var keys = _server.Services.GetRequiredService<ApiKeys>();
        var key = (await keys.CreateAsync("console-revoked", Role.Controller, null, CancellationToken.None)).Value.Key;
        using var first = ConsoleClient.For(_server);
        using var second = ConsoleClient.For(_server);
        await first.SignInAsync(key);
        await second.SignInAsync(key);
        Assert.Equal(HttpStatusCode.OK, (await first.Http.GetAsync("/console")).StatusCode);

        Assert.True((await keys.RevokeAsync(Actor.Parse("test:dpo"), "console-revoked", CancellationToken.None)).Succeeded);
        var after = await first.Http.GetAsync("/console/subjects");
        Assert.Equal(HttpStatusCode.SeeOther, after.StatusCode);
        Assert.Contains(after.Headers.GetValues("Set-Cookie"), c => c.StartsWith(ConsoleCookies.Session + "=;", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.SeeOther, (await second.Http.GetAsync("/console")).StatusCode);
    }

    [Fact]
    public async Task Signing_out_ends_the_session_on_the_server_so_a_copied_cookie_is_worthless()
    {
        using var client = ConsoleClient.WithJar(_server);
        await client.SignInAsync(_server.KeyOf(Role.Auditor));
        var stolen = client.SessionId!;
        Assert.Equal(HttpStatusCode.Found, (await client.PostAsync("/console/logout", ("__af", await client.TokenAsync("/console")))).StatusCode);

        using var thief = ConsoleClient.WithJar(_server);
        thief.Cookies!.Add(new Uri("http://localhost/console"), new Cookie(ConsoleCookies.Session, stolen, "/console"));
        Assert.Equal(HttpStatusCode.SeeOther, (await thief.Http.GetAsync("/console")).StatusCode);
    }

    [Fact]
    public async Task Session_fixation_signing_in_never_keeps_a_session_id_the_browser_already_had()
    {
        // The attacker signs in with their own (auditor) key and plants that session id in the victim's browser.
        using var attacker = ConsoleClient.WithJar(_server);
        await attacker.SignInAsync(_server.KeyOf(Role.Auditor));
        var planted = attacker.SessionId!;
        using var victim = ConsoleClient.WithJar(_server);
        victim.Cookies!.Add(new Uri("http://localhost/console"), new Cookie(ConsoleCookies.Session, planted, "/console"));

        // The victim signs in as the controller: a new id is issued, and the planted one is ended, so the attacker's copy
        // of it can ride on nothing the victim does afterwards.
        await victim.SignInAsync(_server.KeyOf(Role.Controller));
        Assert.NotEqual(planted, victim.SessionId);
        Assert.Equal(HttpStatusCode.SeeOther, (await attacker.Http.GetAsync("/console")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await victim.Http.GetAsync("/console")).StatusCode);
    }

    [Theory]
    [InlineData("/console/purposes")]
    [InlineData("/console/records")]
    [InlineData("/console/subject?id=console-customer")]
    public async Task Xss_hostile_purpose_names_are_html_encoded(string path)
    {
        using var client = await SignedInAsync(Role.Controller);
        var html = await client.Http.GetStringAsync(path);
        Assert.DoesNotContain("<img id=\"xss-probe\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;img id=&quot;xss-probe&quot;", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Xss_a_hostile_subject_id_in_the_address_is_never_echoed_as_markup()
    {
        using var client = await SignedInAsync(Role.Controller);
        foreach (var path in new[] { "/console/subject?id=%3Cscript%3Ealert(1)%3C/script%3E", "/console/subjects?after=%3Cscript%3Ealert(1)%3C/script%3E", "/console/subject?id=a%22%3E%3Cscript%3E" })
        {
            var response = await client.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.DoesNotContain("<script>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Console_pages_forbid_scripts_framing_sniffing_referrers_and_caching()
    {
        using var client = await SignedInAsync(Role.Auditor);
        foreach (var path in new[] { "/console/login", "/console", "/console/ledger" })
        {
            var response = await client.Http.GetAsync(path);
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.Contains("no-store", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_records_export_is_the_apis_markdown_document()
    {
        using var client = await SignedInAsync(Role.Auditor);
        var export = await client.Http.GetAsync("/console/records?handler=Markdown");
        Assert.Equal("text/markdown", export.Content.Headers.ContentType!.MediaType);
        Assert.Equal("records-of-processing.md", export.Content.Headers.ContentDisposition!.FileNameStar ?? export.Content.Headers.ContentDisposition.FileName);
        using var api = _server.As(Role.Auditor);
        var fromApi = await api.GetStringAsync("/v1/records/markdown");
        var fromConsole = await export.Content.ReadAsStringAsync();

        // Both carry their own "Generated …" time; everything after it is the same document.
        Assert.Equal(fromApi[fromApi.IndexOf('\n', fromApi.IndexOf("Generated", StringComparison.Ordinal))..], fromConsole[fromConsole.IndexOf('\n', fromConsole.IndexOf("Generated", StringComparison.Ordinal))..]);
    }

    private async Task<ConsoleClient> SignedInAsync(Role role)
    {
        var client = ConsoleClient.For(_server);
        Assert.Equal(HttpStatusCode.Redirect, (await client.SignInAsync(_server.KeyOf(role))).StatusCode);
        return client;
    }

    private async Task<bool> ConsentGivenAsync(SubjectId subject, PurposeId purpose)
    {
        var statuses = await _server.Services.GetRequiredService<GovernanceService>().GetConsentStatusAsync(Actor.Parse("test:check"), subject, CancellationToken.None);
        return statuses.Value!.Any(s => s.Purpose == purpose && s.ConsentGiven);
    }
}
