using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Governance.Purposes;
using Obscura.TestSupport;

namespace Obscura.Console.Tests;

/// <summary>The console in Debian's chromium against a real server: sign-in, consent, proofs, role limits, hostile names.</summary>
public sealed class ConsoleBrowserTests(ConsoleServer server) : IClassFixture<ConsoleServer>
{
    private static readonly PurposeId Verification = SamplePurposes.IdentityVerification.Id;

    [Fact]
    public async Task A_controller_grants_and_withdraws_consent_and_sees_the_decision_change()
    {
        Assert.SkipWhen(ConsoleServer.OptedOut, $"{ConsoleServer.OptOutVariable}=1: browser tests skipped on purpose.");
        var page = await server.SignInAsync(Role.Controller);
        Assert.Equal("controller", await page.Locator("[data-role]").InnerTextAsync());

        await page.GetByRole(AriaRole.Link, new() { Name = "Subjects", Exact = true }).ClickAsync();
        await page.GetByLabel("Subject id").First.FillAsync(ConsoleServer.Customer.Value);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show consent" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/console/subject\\?id="));
        Assert.StartsWith("Denied", await DecisionAsync(page));

        // Grant, filling the labelled fields; the explicit box is needed for biometric data (Art. 9(2)(a)).
        await page.GetByLabel("Purpose").SelectOptionAsync(Verification.Value);
        await page.GetByLabel("Privacy notice version shown").FillAsync("notice-2026-12");
        await page.GetByLabel("The subject gave consent by an express statement", new() { Exact = false }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Give consent" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("done=granted"));
        Assert.Equal("Consent recorded.", await page.Locator("#done").InnerTextAsync());
        Assert.Equal("Allowed", await DecisionAsync(page));
        Assert.True((await Governance.AuthorizeAsync(ConsoleServer.Customer, Verification, null, CancellationToken.None)).Allowed);

        // Withdraw by keyboard: focus the button, press Enter.
        await page.GetByRole(AriaRole.Button, new() { Name = $"Withdraw consent for {Verification.Value}" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(new Regex("done=withdrawn"));
        Assert.Equal("Denied: consent withdrawn", await DecisionAsync(page));
        Assert.False((await Governance.AuthorizeAsync(ConsoleServer.Customer, Verification, null, CancellationToken.None)).Allowed);
        var history = await page.Locator("#history").InnerTextAsync();
        Assert.Contains("consent withdrawn", history, StringComparison.Ordinal);
        Assert.Contains("apikey:console-controller", history, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_auditor_opens_an_inclusion_proof_that_the_server_verified()
    {
        Assert.SkipWhen(ConsoleServer.OptedOut, $"{ConsoleServer.OptOutVariable}=1: browser tests skipped on purpose.");
        var page = await server.SignInAsync(Role.Auditor);
        await page.GetByRole(AriaRole.Link, new() { Name = "Audit ledger", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/console/ledger$"));
        Assert.StartsWith("valid", await page.Locator("#head-signature").InnerTextAsync(), StringComparison.Ordinal);

        await page.GetByRole(AriaRole.Link, new() { Name = "Inclusion proof for entry 1", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(new Regex("leaf=1"));
        Assert.StartsWith("Verified", await page.Locator("#proof-verdict").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("The entry's content hashes to this leaf.", await page.Locator("#entry-match").InnerTextAsync());
        Assert.Contains("Entry 1 in a tree of", await page.Locator("#proof-heading").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_auditor_sees_the_pages_but_a_forged_consent_form_is_refused_by_the_server()
    {
        Assert.SkipWhen(ConsoleServer.OptedOut, $"{ConsoleServer.OptOutVariable}=1: browser tests skipped on purpose.");
        var page = await server.SignInAsync(Role.Auditor);
        await page.GotoAsync($"/console/subject?id={ConsoleServer.Bystander.Value}");
        Assert.Equal(0, await page.Locator("#grant-form").CountAsync());
        Assert.Equal("Denied: consent missing", await DecisionAsync(page));

        // The auditor forges the controller's form in their own signed-in browser, with their own valid antiforgery token.
        var token = await page.Locator("input[name=__af]").First.GetAttributeAsync("value");
        var forged = await page.Context.APIRequest.PostAsync($"/console/subject?id={ConsoleServer.Bystander.Value}&handler=Grant", new()
        {
            Form = Form(page.Context.APIRequest, ("purpose", Verification.Value), ("noticeVersion", "n1"), ("channel", "console"), ("explicit", "true"), ("__af", token!)),
            MaxRedirects = 0,
        });
        Assert.Equal(403, forged.Status);

        await page.ReloadAsync();
        Assert.Equal("Denied: consent missing", await DecisionAsync(page));
        Assert.False((await Governance.AuthorizeAsync(ConsoleServer.Bystander, Verification, null, CancellationToken.None)).Allowed);
    }

    [Fact]
    public async Task A_processor_key_cannot_sign_in_and_a_page_without_a_session_goes_to_sign_in()
    {
        Assert.SkipWhen(ConsoleServer.OptedOut, $"{ConsoleServer.OptOutVariable}=1: browser tests skipped on purpose.");
        var page = await server.NewPageAsync();
        await page.GotoAsync("/console/ledger");
        Assert.EndsWith("/console/login", page.Url, StringComparison.Ordinal);
        await page.GetByLabel("API key").FillAsync(server.KeyOf(Role.Processor));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForLoadStateAsync();
        Assert.Contains("this is a processor key", await page.GetByRole(AriaRole.Alert).InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "obscura-console");
    }

    [Fact]
    public async Task Hostile_purpose_names_show_as_text_and_never_run_on_a_phone_sized_screen()
    {
        Assert.SkipWhen(ConsoleServer.OptedOut, $"{ConsoleServer.OptOutVariable}=1: browser tests skipped on purpose.");
        var page = await server.SignInAsync(Role.Controller, new ViewportSize { Width = 375, Height = 667 });
        var dialogs = 0;
        page.Dialog += (_, d) => { dialogs++; _ = d.DismissAsync(); };
        foreach (var path in new[] { "/console/purposes", "/console/records", $"/console/subject?id={ConsoleServer.Customer.Value}" })
        {
            await page.GotoAsync(path);
            Assert.Equal(0, await page.Locator("#xss-probe").CountAsync());
            Assert.Equal(0, await page.Locator("main script").CountAsync());
            Assert.DoesNotContain("pwned", await page.TitleAsync(), StringComparison.Ordinal);
            Assert.Contains(SamplePurposes.HostileMarkup, await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);

            // Readable on a phone: nothing wider than the screen, and the viewport meta is there.
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), $"{path} scrolls sideways at 375 px");
            Assert.Equal(1, await page.Locator("meta[name=viewport]").CountAsync());
        }

        Assert.Equal(0, dialogs);
    }

    [Fact]
    public async Task Every_page_passes_axe_fits_a_phone_and_shows_where_the_keyboard_is()
    {
        Assert.SkipWhen(ConsoleServer.OptedOut, $"{ConsoleServer.OptOutVariable}=1: browser tests skipped on purpose.");

        // The controller's pages carry every form; the auditor's ledger page the entries table.
        var controller = await server.SignInAsync(Role.Controller, new ViewportSize { Width = 375, Height = 667 });
        var auditor = await server.SignInAsync(Role.Auditor, new ViewportSize { Width = 375, Height = 667 });
        (IPage Page, string Path)[] visits =
        [
            (controller, "/console"), (controller, "/console/subjects"), (controller, $"/console/subject?id={ConsoleServer.Customer.Value}"),
            (controller, "/console/purposes"), (controller, "/console/ledger?leaf=1"), (controller, "/console/records"), (auditor, "/console/ledger?leaf=1"),
            (auditor, "/console/budgets"), (auditor, "/console/vault"), (auditor, "/console/verification"), (auditor, "/console/metrics"), (auditor, "/console/budget?dataset=visits&purpose=store-analytics"),
            (controller, "/console/reports"), (auditor, $"/console/report?name={ConsoleServer.EvaluationReport}"), (auditor, $"/console/report?name={ConsoleServer.AuditReport}"),
        ];
        var wcag = new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } };
        foreach (var (page, path) in visits)
        {
            Assert.Equal(200, (await page.GotoAsync(path))!.Status);

            // axe-core's WCAG 2.1 A/AA rules: labels, contrast, landmarks, table headers, names of links and buttons.
            var result = await page.RunAxe(wcag);
            Assert.True(result.Violations.Length == 0, string.Join("; ", result.Violations.Select(v => $"{path}: {v.Id} ({v.Impact}) {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Html))}")));
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), $"{path} scrolls sideways at 375 px");
            Assert.Equal(1, await page.Locator("meta[name=viewport]").CountAsync());

            // The first Tab lands on the skip link, which comes into view with a 3px focus ring.
            await page.Keyboard.PressAsync("Tab");
            Assert.Equal("Skip to content", await page.EvaluateAsync<string>("() => document.activeElement.textContent"));
            Assert.Equal("3px", await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineWidth"));
            Assert.True((await page.Locator(".skip").BoundingBoxAsync())!.X >= 0, "the focused skip link is on screen");
        }
    }

    private GovernanceService Governance => server.Services.GetRequiredService<GovernanceService>();

    private static Task<string> DecisionAsync(IPage page, PurposeId? purpose = null) =>
        page.Locator($"#decisions tr[data-purpose='{(purpose ?? Verification).Value}'] [data-decision]").InnerTextAsync();

    private static IFormData Form(IAPIRequestContext request, params (string Name, string Value)[] fields)
    {
        var form = request.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Set(name, value);
        }

        return form;
    }
}
