using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Obscura.Biometrics.Decisions;
using Obscura.Biometrics.Roles;
using Obscura.Biometrics.Roles.Remote;
using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Governance.Accountability;
using Obscura.Governance.Budgets;
using Obscura.Governance.Ledger;
using Obscura.Governance.Serialization;
using Obscura.Governance.Storage;
using Obscura.ModelPrivacy.Serving;
using Obscura.Server.Console;
using Obscura.Server.Endpoints;
using Obscura.Server.Security;
using Obscura.Server.Telemetry;
using Obscura.Storage;

namespace Obscura.Server.Hosting;

/// <summary>Composes the server: configuration, the data folder, domain services, security and endpoints.</summary>
public static class ObscuraServer
{
    /// <summary>The address used when none is configured: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Builds the application from command-line <paramref name="args"/> (<c>--data DIR</c>, <c>--database postgres://…</c>, <c>--urls URL</c>, any configuration key).</summary>
    public static WebApplication Build(string[] args)
    {
        // Settings ship beside the binary; the working directory only anchors relative paths such as --data.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string>
        {
            ["--data"] = $"{ObscuraOptions.Section}:{nameof(ObscuraOptions.DataDirectory)}",
            ["--database"] = $"{ObscuraOptions.Section}:{nameof(ObscuraOptions.Database)}",
        });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Services.AddOptions<ObscuraOptions>().Bind(builder.Configuration.GetSection(ObscuraOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddObscuraTelemetry();
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ObscuraOptions>>().Value;
            return DataFolder.Open(options.DataDirectory, options.Database);
        });
        builder.Services.AddSingleton<IGovernanceStore>(sp => sp.GetRequiredService<DataFolder>().Store);
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ObscuraOptions>>().Value;
            var signingKey = sp.GetRequiredService<DataFolder>().SigningKey;
            LedgerKeyPin.Ensure(signingKey, options.LedgerPublicKeyFile);
            var ledger = new AuditLedger(signingKey, sp.GetRequiredService<TimeProvider>(), options.AccessLog.Policy);
            LedgerWitness.LoadWitnessedHead(ledger, options.Witness, sp.GetRequiredService<ILogger<LedgerWitness>>());
            return ledger;
        });
        builder.Services.AddSingleton<GovernanceService>();
        builder.Services.AddSingleton<AccountabilityService>();
        builder.Services.AddSingleton<LedgerService>();
        builder.Services.AddSingleton(sp => new PrivacyBudgetLedger(sp.GetRequiredService<IGovernanceStore>(), sp.GetRequiredService<AuditLedger>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<ApiKeys>();
        builder.Services.AddSingleton(sp => new AuditTrail(sp.GetRequiredService<IGovernanceStore>(), sp.GetRequiredService<AuditLedger>()));

        // Created on first use: key generation takes about a second and most deployments start without biometrics.
        builder.Services.AddSingleton(sp => new Lazy<ProtectedFaceVerification>(() => OpenVerification(sp), LazyThreadSafetyMode.ExecutionAndPublication));
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ObscuraOptions>>().Value;
            var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Obscura.KeyHolder");
            return ProtectedVerificationHost.OpenKeyHolder(RoleDirectory(sp), new KeyHolderOptions(Convert.FromBase64String(options.ComparisonAttestationKey!))
            {
                Limits = Limits(options),
                Clock = sp.GetRequiredService<TimeProvider>(),
                OnEvent = (e, _) =>
                {
                    // The key holder's own state database keeps the full record; the log names no subject.
                    log.LogWarning("Key holder {Kind} on enrolment {Enrolment}, caller {Caller}: {Detail}", e.Kind, e.EnrolmentId, e.Caller, e.Detail);
                    return Task.CompletedTask;
                },
            });
        });
        builder.Services.AddSingleton(sp => ProtectedVerificationHost.OpenStore(RoleDirectory(sp)));
        builder.Services.AddSingleton(sp => ProtectedVerificationHost.OpenComparisonAttester(RoleDirectory(sp)));
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ObscuraOptions>>().Value;
            var keyHolder = new RemoteKeyHolder(new RoleConnection("key holder", options.KeyHolderUrl!, options.RoleCredential!));
            return new ComparisonRole(keyHolder, keyHolder, sp.GetRequiredService<ComparisonAttester>());
        });

        builder.Services.AddSingleton(sp => new Obscura.Storage.Reports.RegisteredReports(sp.GetRequiredService<DataFolder>().Path, sp.GetRequiredService<IGovernanceStore>(), sp.GetRequiredService<AuditLedger>()));
        builder.Services.AddSingleton<VaultAccessor>();
        builder.Services.AddSingleton<StoreInbox>();
        builder.Services.AddSingleton<StorePublication>();
        builder.Services.AddSingleton(sp => ClassifierRegistry.Open(
            sp.GetRequiredService<DataFolder>().Path,
            sp.GetRequiredService<AuditTrail>(),
            sp.GetRequiredService<TimeProvider>(),
            new QueryMonitorOptions { ScoreAnswerShare = sp.GetRequiredService<IOptions<ObscuraOptions>>().Value.ModelScoreAnswerShare }));
        builder.Services.AddSingleton<BiometricShredding>();
        builder.Services.AddSingleton(sp => Obscura.Server.Jobs.JobStore.Open(sp.GetRequiredService<DataFolder>().Path, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new Obscura.Server.Jobs.JobExecutor(
            sp.GetRequiredService<Obscura.Server.Jobs.JobStore>(),
            sp.GetRequiredService<AuditTrail>(),
            sp.GetRequiredService<PrivacyBudgetLedger>(),
            sp.GetRequiredService<IOptions<ObscuraOptions>>().Value.Jobs,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<Obscura.Server.Jobs.JobExecutor>>()));
        var configured = builder.Configuration.GetSection(ObscuraOptions.Section).Get<ObscuraOptions>() ?? new ObscuraOptions();
        if (configured.Role == ServerRole.All)
        {
            builder.Services.AddHostedService<VaultRetentionService>();
            builder.Services.AddHostedService<BiometricRetentionService>();
            builder.Services.AddHostedService<AccessLogFlushService>();
            builder.Services.AddHostedService<Obscura.Server.Jobs.JobWorkerService>();
            builder.Services.AddSingleton<LedgerVerificationService>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<LedgerVerificationService>());
            builder.Services.AddHttpClient(LedgerWitness.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
            builder.Services.AddSingleton<LedgerWitness>();
            if (configured.Witness.Enabled)
            {
                builder.Services.AddHostedService<LedgerWitnessService>();
            }
        }

        builder.Services.Configure<JsonOptions>(o => GovernanceJson.Configure(o.SerializerOptions));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.AddExceptionHandler<DocumentNotCommittedExceptionHandler>();
        // A role service has no API keys (it admits role credentials only), so no API-key authentication runs there:
        // it would open a governance database in the role's folder.
        if (configured.Role == ServerRole.All)
        {
            // The core services only: AddAuthentication() would also add ASP.NET Data Protection, whose key ring is
            // written unencrypted to the home folder at every start. API-key authentication needs no such keys; the
            // console's antiforgery tokens do, and AddObscuraConsole keeps that key ring in memory.
            builder.Services.AddAuthenticationCore(o => o.DefaultScheme = ApiKeyAuthenticationHandler.SchemeName);
            builder.Services.AddWebEncoders();
            var authentication = new Microsoft.AspNetCore.Authentication.AuthenticationBuilder(builder.Services)
                .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
            builder.Services.AddAuthorization(Policies.Add);
            builder.Services.AddObscuraConsole(authentication);
            builder.Services.AddObscuraRateLimits(configured.RateLimit);
        }

        builder.Services.AddOpenApi(o =>
        {
            o.AddSchemaTransformer<TokenSchemaTransformer>();
            o.AddOperationTransformer<ProblemResponsesTransformer>();
        });
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            // The middleware sets each request's own limit; Kestrel's is the largest of them.
            var current = context.Configuration.GetSection(ObscuraOptions.Section).Get<ObscuraOptions>() ?? new ObscuraOptions();
            kestrel.Limits.MaxRequestBodySize = Math.Max(current.EffectiveMaxRequestBodyBytes, current.VaultMaxBlobBytes);
        });

        var app = builder.Build();
        var options = app.Services.GetRequiredService<IOptions<ObscuraOptions>>().Value;
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestBodyLimit(options.EffectiveMaxRequestBodyBytes, options.Role == ServerRole.All ? options.VaultMaxBlobBytes : options.EffectiveMaxRequestBodyBytes);
        if (options.Role != ServerRole.All)
        {
            // A role service has no governance database and no API keys: only its role's routes, each admitting only
            // the calling roles of its row in the role matrix, on their own credentials. Its keys are opened before it
            // listens: a new key holder's keys are created and calibrated now, never inside a request.
            if (options.Role == ServerRole.KeyHolder)
            {
                var keyHolder = app.Services.GetRequiredService<KeyHolderService>();
                app.Lifetime.ApplicationStopping.Register(keyHolder.Dispose);
            }
            else if (options.Role == ServerRole.Comparison)
            {
                app.Services.GetRequiredService<ComparisonRole>();
            }

            app.UseMiddleware<RoleCredentials>();
            app.MapGet("/health", () => TypedResults.Ok(new { status = "ok", role = options.Role.ToString() })).WithTags("Health");
            app.MapRole(options.Role);
            return app;
        }

        app.Lifetime.ApplicationStopping.Register(() =>
        {
            // Zero the key holder's and sealer's keys if they were ever loaded.
            var verification = app.Services.GetRequiredService<Lazy<ProtectedFaceVerification>>();
            if (verification.IsValueCreated)
            {
                verification.Value.Dispose();
            }
        });
        app.UseConsoleHeaders();
        app.UseAuthentication();
        app.UseObscuraTelemetry();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.MapOpenApi().AllowAnonymous();
        app.MapGet("/health", () => TypedResults.Ok(new { status = "ok" })).AllowAnonymous().WithTags("Health");
        app.MapGet("/health/ready", async (DataFolder folder, CancellationToken ct) =>
        {
            var checks = await folder.CheckReadinessAsync(ct);
            var ready = checks.Values.All(v => v == "ok");
            return TypedResults.Json(new { status = ready ? "ready" : "not ready", checks }, statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }).AllowAnonymous().WithTags("Health")
            .WithSummary("Readiness: the database answers and its latest head is signed by the key in use, and the signing key file is still the key in use (200 ready, 503 not ready, each check named).");
        app.MapSubjects();
        app.MapPurposes();
        app.MapLedger();
        app.MapBiometrics();
        app.MapVault();
        app.MapRetention();
        app.MapModels();
        app.MapJobs();
        app.MapStore();
        app.MapStoreInbox();
        app.MapObscuraConsole();
        app.MapTelemetry();
        return app;
    }

    internal static DecisionLimits Limits(ObscuraOptions options) =>
        new(options.DecisionsPerSubject, options.DecisionsPerCaller, TimeSpan.FromMinutes(options.DecisionWindowMinutes));

    private static string RoleDirectory(IServiceProvider services) =>
        Path.Combine(Path.GetFullPath(services.GetRequiredService<IOptions<ObscuraOptions>>().Value.DataDirectory), "biometrics");

    private static ProtectedFaceVerification OpenVerification(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<ObscuraOptions>>().Value;
        var directory = Path.Combine(services.GetRequiredService<DataFolder>().Path, "biometrics");
        var governance = services.GetRequiredService<GovernanceService>();
        var audit = services.GetRequiredService<AuditTrail>();
        if (!options.Separated)
        {
            return ProtectedVerificationHost.Open(directory, governance, audit, options.VerificationThreshold, Limits(options));
        }

        var credential = options.RoleCredential!;
        return ProtectedVerificationHost.OpenSeparated(
            directory,
            new RoleConnection("key holder", options.KeyHolderUrl!, credential),
            new RoleConnection("comparison", options.ComparisonUrl!, credential),
            new RoleConnection("storage", options.StorageUrl!, credential),
            governance,
            audit,
            options.VerificationThreshold);
    }

    /// <summary>Opens the data folder and creates the first key if needed; call before <c>RunAsync</c>.</summary>
    public static async Task InitialiseAsync(WebApplication app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        ObscuraTelemetry.Start(app.Services);
        var options = app.Services.GetRequiredService<IOptions<ObscuraOptions>>().Value;
        if (options.Role != ServerRole.All)
        {
            return;
        }

        var folder = app.Services.GetRequiredService<DataFolder>();
        // At start, not at the first request: the pinned key is checked and the witnessed head read when the ledger is made.
        app.Services.GetRequiredService<AuditLedger>();
        if (options.CreateBootstrapKey)
        {
            await BootstrapKey.EnsureAsync(app.Services.GetRequiredService<ApiKeys>(), folder, app.Logger, cancellationToken);
        }
    }
}
