using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Obscura.Biometrics.Roles;
using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Governance.Ledger;
using Obscura.Governance.Serialization;
using Obscura.Governance.Storage;
using Obscura.Server.Endpoints;
using Obscura.Server.Security;
using Obscura.Storage;

namespace Obscura.Server.Hosting;

/// <summary>Composes the server: configuration, the data folder, domain services, security and endpoints.</summary>
public static class ObscuraServer
{
    /// <summary>The address used when none is configured: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Builds the application from command-line <paramref name="args"/> (<c>--data DIR</c>, <c>--urls URL</c>, any configuration key).</summary>
    public static WebApplication Build(string[] args)
    {
        // Settings ship beside the binary; the working directory only anchors relative paths such as --data.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--data"] = $"{ObscuraOptions.Section}:{nameof(ObscuraOptions.DataDirectory)}" });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Services.AddOptions<ObscuraOptions>().Bind(builder.Configuration.GetSection(ObscuraOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => DataFolder.Open(sp.GetRequiredService<IOptions<ObscuraOptions>>().Value.DataDirectory));
        builder.Services.AddSingleton<IGovernanceStore>(sp => sp.GetRequiredService<DataFolder>().Store);
        builder.Services.AddSingleton<IApiKeyStore>(sp => sp.GetRequiredService<DataFolder>().Store);
        builder.Services.AddSingleton(sp => new AuditLedger(sp.GetRequiredService<DataFolder>().SigningKey, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<GovernanceService>();
        builder.Services.AddSingleton<LedgerService>();
        builder.Services.AddSingleton<ApiKeys>();
        builder.Services.AddSingleton(sp => new AuditTrail(sp.GetRequiredService<IGovernanceStore>(), sp.GetRequiredService<AuditLedger>()));

        // Created on first use: key generation and flooding calibration take seconds and most deployments start without biometrics.
        builder.Services.AddSingleton(sp => new Lazy<ProtectedFaceVerification>(
            () => ProtectedVerificationHost.Open(
                Path.Combine(sp.GetRequiredService<DataFolder>().Path, "biometrics"),
                sp.GetRequiredService<GovernanceService>(),
                sp.GetRequiredService<AuditTrail>(),
                sp.GetRequiredService<IOptions<ObscuraOptions>>().Value.VerificationThreshold),
            LazyThreadSafetyMode.ExecutionAndPublication));

        builder.Services.Configure<JsonOptions>(o => GovernanceJson.Configure(o.SerializerOptions));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization(Policies.Add);
        builder.Services.AddOpenApi(o => o.AddSchemaTransformer<TokenSchemaTransformer>());
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
            kestrel.Limits.MaxRequestBodySize = context.Configuration.GetSection(ObscuraOptions.Section).Get<ObscuraOptions>()?.MaxRequestBodyBytes ?? new ObscuraOptions().MaxRequestBodyBytes);

        var app = builder.Build();
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            // Zero the key holder's and sealer's keys if they were ever loaded.
            var verification = app.Services.GetRequiredService<Lazy<ProtectedFaceVerification>>();
            if (verification.IsValueCreated)
            {
                verification.Value.Dispose();
            }
        });
        var options = app.Services.GetRequiredService<IOptions<ObscuraOptions>>().Value;
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestBodyLimit(options.MaxRequestBodyBytes);
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi().AllowAnonymous();
        app.MapGet("/health", () => TypedResults.Ok(new { status = "ok" })).AllowAnonymous().WithTags("Health");
        app.MapSubjects();
        app.MapPurposes();
        app.MapLedger();
        app.MapBiometrics();
        return app;
    }

    /// <summary>Opens the data folder and creates the first key if needed; call before <c>RunAsync</c>.</summary>
    public static async Task InitialiseAsync(WebApplication app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<IOptions<ObscuraOptions>>().Value;
        var folder = app.Services.GetRequiredService<DataFolder>();
        if (options.CreateBootstrapKey)
        {
            await BootstrapKey.EnsureAsync(app.Services.GetRequiredService<ApiKeys>(), folder, app.Logger, cancellationToken);
        }
    }
}
