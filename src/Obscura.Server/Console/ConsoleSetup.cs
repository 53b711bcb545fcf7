using System.Reflection;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Obscura.Governance.Access;

namespace Obscura.Server.Console;

/// <summary>
/// The web console: Razor Pages under <see cref="ConsolePaths.Root"/>, signed in with an API key, kept by a server-side
/// session (<see cref="ConsoleSessions"/>), antiforgery on every form, the controller role on every change
/// (<see cref="ConsoleWriteFilter"/>), and strict security headers (no script, no framing, nothing from elsewhere).
/// </summary>
internal static class ConsoleSetup
{
    /// <summary>Any console user: a controller or auditor key, signed in through the console.</summary>
    public const string Policy = "Console";

    private const string StylesheetResource = "Obscura.Server.Console.console.css";

    /// <summary>Registers the console's services; the API's authentication builder gains the session scheme.</summary>
    public static void AddObscuraConsole(this IServiceCollection services, AuthenticationBuilder authentication)
    {
        services.AddSingleton<ConsoleSessions>();
        authentication.AddScheme<AuthenticationSchemeOptions, ConsoleAuthenticationHandler>(ConsoleAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(Policy, p => p
            .AddAuthenticationSchemes(ConsoleAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .RequireRole(nameof(Role.Controller), nameof(Role.Auditor)));
        services.AddDataProtection();
        services.Configure<KeyManagementOptions>(o =>
        {
            o.XmlRepository = new InMemoryKeyRing();
            o.XmlEncryptor = new NullXmlEncryptor();
        });
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = ConsoleCookies.Antiforgery;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.Cookie.Path = ConsolePaths.Root;
            o.FormFieldName = "__af";
            o.HeaderName = null;
            o.SuppressXFrameOptionsHeader = true;
        });
        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/Console/Pages";
            o.Conventions.AuthorizeFolder("/", Policy);
            o.Conventions.AllowAnonymousToPage("/Login");
        })
            .AddMvcOptions(o => o.Filters.Add<ConsoleWriteFilter>())
            .ConfigureApplicationPartManager(parts =>
            {
                // The pages are compiled into this assembly; a host whose entry assembly is another one (a test run
                // starting the server in-process) would otherwise find no pages.
                var assembly = typeof(ConsoleSetup).Assembly;
                if (!parts.ApplicationParts.OfType<AssemblyPart>().Any(p => p.Assembly == assembly))
                {
                    foreach (var part in ApplicationPartFactory.GetApplicationPartFactory(assembly).GetApplicationParts(assembly))
                    {
                        parts.ApplicationParts.Add(part);
                    }
                }
            });
    }

    /// <summary>Security headers for every console response: no script at all, nothing from another origin, no framing, no caching.</summary>
    public static IApplicationBuilder UseConsoleHeaders(this IApplicationBuilder app) =>
        app.UseWhen(c => c.Request.Path.StartsWithSegments(ConsolePaths.Root, StringComparison.OrdinalIgnoreCase), branch => branch.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            // What antiforgery sets on a page with a form anyway; set for every console response so it never has to override (and warn).
            headers.CacheControl = "no-cache, no-store";
            headers.Pragma = "no-cache";
            return next(context);
        }));

    /// <summary>Maps the pages and the stylesheet (served from the assembly: no files to deploy, no CDN).</summary>
    public static void MapObscuraConsole(this IEndpointRouteBuilder app)
    {
        var css = ReadStylesheet();
        app.MapGet(ConsolePaths.Stylesheet, () => TypedResults.Text(css, "text/css; charset=utf-8")).AllowAnonymous().ExcludeFromDescription();
        app.MapRazorPages();
    }

    private static string ReadStylesheet()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(StylesheetResource)
            ?? throw new InvalidOperationException($"The console stylesheet resource '{StylesheetResource}' is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
