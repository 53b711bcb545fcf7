using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Governance.Budgets;
using Obscura.Governance.Subjects;
using Obscura.Privacy;
using Obscura.Privacy.Accounting;
using Obscura.Server.Hosting;
using Obscura.TestSupport;

namespace Obscura.Console.Tests;

/// <summary>
/// A real Obscura server (Kestrel on a free 127.0.0.1 port, a fresh data folder) and one headless Debian chromium
/// driven by Playwright, shared by one test class. Chromium is found at <c>/usr/bin/chromium</c> (or
/// <c>OBSCURA_CHROMIUM</c>); without it the tests fail, unless <c>OBSCURA_SKIP_BROWSER=1</c> skips them on purpose.
/// Playwright's own browser download is never used: its Node driver ships in the package and runs offline.
/// </summary>
public sealed class ConsoleServer : IAsyncLifetime
{
    public const string OptOutVariable = "OBSCURA_SKIP_BROWSER";
    public static readonly SubjectId Customer = SubjectId.Parse("customer-0001");

    /// <summary>The registered evaluation report's name.</summary>
    public const string EvaluationReport = "a11y-eval";

    /// <summary>The registered audit report's name.</summary>
    public const string AuditReport = "a11y-audit";

    /// <summary>A subject no test gives consent for.</summary>
    public static readonly SubjectId Bystander = SubjectId.Parse("customer-0002");
    private readonly TempDirectory _data = new();
    private readonly Dictionary<Role, string> _keys = [];
    private WebApplication? _app;
    private IPlaywright? _playwright;

    public static bool OptedOut => Environment.GetEnvironmentVariable(OptOutVariable) == "1";

    public static string ChromiumPath => Environment.GetEnvironmentVariable("OBSCURA_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser was not started.");

    private IBrowser? _browser;

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public string KeyOf(Role role) => _keys[role];

    public async ValueTask InitializeAsync()
    {
        if (OptedOut)
        {
            return;
        }

        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"No chromium at {ChromiumPath}: install Debian's 'chromium' package (bash .ci/run does), point OBSCURA_CHROMIUM at one, or set {OptOutVariable}=1 to skip the browser tests on purpose.");
        }

        _app = ObscuraServer.Build(["--data", _data.Path, "--urls", "http://127.0.0.1:0", "--Obscura:CreateBootstrapKey", "false", "--Logging:LogLevel:Default", "Warning"]);
        await ObscuraServer.InitialiseAsync(_app, CancellationToken.None);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(address);

        var keys = _app.Services.GetRequiredService<ApiKeys>();
        foreach (var role in new[] { Role.Controller, Role.Auditor, Role.Processor })
        {
            _keys[role] = (await keys.CreateAsync("console-" + role.ToString().ToLowerInvariant(), role, null, CancellationToken.None)).Value.Key;
        }

        var governance = _app.Services.GetRequiredService<GovernanceService>();
        var system = Actor.Parse("test:setup");
        foreach (var purpose in new[] { SamplePurposes.IdentityVerification, SamplePurposes.StoreAnalytics, SamplePurposes.HostileNames })
        {
            Assert.True((await governance.RegisterPurposeAsync(system, purpose, CancellationToken.None)).Succeeded);
        }

        Assert.True((await governance.RegisterSubjectAsync(system, Customer, CancellationToken.None)).Succeeded);
        Assert.True((await governance.RegisterSubjectAsync(system, Bystander, CancellationToken.None)).Succeeded);

        // A privacy budget with two releases, for the budget pages.
        var budgets = _app.Services.GetRequiredService<PrivacyBudgetLedger>();
        Assert.True((await budgets.SetAsync(system, "visits", SamplePurposes.StoreAnalytics.Id, 1, 1e-6, CancellationToken.None)).Succeeded);
        foreach (var query in new[] { "count", "histogram" })
        {
            Assert.True((await budgets.ChargeAsync(system, "visits", SamplePurposes.StoreAnalytics.Id, new PrivacyCost.Pure(Rational.Of(1, 10)), query, CancellationToken.None)).Succeeded);
        }

        // An evaluation and an audit report, registered as the CLI's --register does, for the report pages.
        var reports = _app.Services.GetRequiredService<Obscura.Storage.Reports.RegisteredReports>();
        foreach (var report in new[] { SampleReports.Evaluation(EvaluationReport), SampleReports.Audit(AuditReport) })
        {
            Assert.True((await reports.RegisterAsync("test:setup", report.Name, "eval", report.ToJson(), CancellationToken.None)).Succeeded);
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Root in a container has no user namespaces for chromium's sandbox; /dev/shm is small there.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh browser context (no cookies), its own page, with no Playwright time limits: a loaded CI machine waits.</summary>
    public async Task<IPage> NewPageAsync(ViewportSize? viewport = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseAddress.ToString(), ViewportSize = viewport });
        context.SetDefaultTimeout(0);
        context.SetDefaultNavigationTimeout(0);
        return await context.NewPageAsync();
    }

    /// <summary>Signs in through the form, by keyboard only: focus the labelled field, type, press Enter.</summary>
    public async Task<IPage> SignInAsync(Role role, ViewportSize? viewport = null)
    {
        var page = await NewPageAsync(viewport);
        await page.GotoAsync("/console");
        Assert.EndsWith("/console/login", page.Url, StringComparison.Ordinal);
        await page.GetByLabel("API key").FocusAsync();
        await page.Keyboard.TypeAsync(KeyOf(role));
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(BaseAddress + "console");
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _data.Dispose();
    }
}
