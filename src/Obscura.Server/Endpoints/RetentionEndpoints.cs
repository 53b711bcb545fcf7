using System.Security.Claims;
using System.Text.Json;
using Obscura.Governance.Serialization;
using Obscura.Server.Hosting;
using Obscura.Server.Security;

namespace Obscura.Server.Endpoints;

/// <summary>
/// <c>POST /v1/retention/run</c>: every retention job now, as <c>obscura retention run</c> does locally: the vault's
/// report, with the biometric sweep's under <c>biometrics</c> (absent when protected verification is not in use).
/// </summary>
internal static class RetentionEndpoints
{
    public static IEndpointRouteBuilder MapRetention(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/retention/run", async (VaultAccessor vault, BiometricShredding biometrics, ClaimsPrincipal user, CancellationToken ct) =>
        {
            var actor = Policies.ActorOf(user).Value;
            var report = JsonSerializer.SerializeToNode(await (await vault.GetAsync(ct)).RunRetentionAsync(actor, ct), GovernanceJson.Options)!.AsObject();
            report["biometrics"] = JsonSerializer.SerializeToNode(await biometrics.RunRetentionAsync(actor, ct), GovernanceJson.Options);
            return TypedResults.Ok(report);
        }).RequireAuthorization(Policies.Controller).WithTags("Retention");
        return app;
    }
}
