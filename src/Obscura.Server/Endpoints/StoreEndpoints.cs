using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Obscura.Governance.Accountability;
using Obscura.Governance.Purposes;
using Obscura.Server.Security;

namespace Obscura.Server.Endpoints;

/// <summary>In-store visitor analytics: the Art. 21 objection channel for anonymous visitors.</summary>
internal static class StoreEndpoints
{
    public static IEndpointRouteBuilder MapStore(this IEndpointRouteBuilder app)
    {
        var objections = app.MapGroup("/v1/store/objections").WithTags("Store visitors' objections");
        objections.MapPost("/", RecordAsync).RequireAuthorization(Policies.ObjectionIntake)
            .WithSummary("Records an anonymous visitor's objection (Art. 21) in the audit ledger: purpose, store, date, channel and an optional reason (at most 1000 characters). Kiosk and objection-form keys (role ObjectionIntake) and the controller.");
        objections.MapGet("/", ListAsync).RequireAuthorization(Policies.ControllerOrAuditor)
            .WithSummary("Lists the visitors' objections to a purpose in the order recorded (after: the last id of the previous page; limit 1-500, default 100); the read is recorded in the access log.");
        return app;
    }

    private static async Task<Results<Created<VisitorObjection>, ProblemHttpResult>> RecordAsync(VisitorObjectionDraft draft, AccountabilityService accountability, ClaimsPrincipal user, CancellationToken ct)
    {
        var outcome = await accountability.RecordVisitorObjectionAsync(Policies.ActorOf(user), draft, ct);
        return outcome.Succeeded ? TypedResults.Created($"/v1/store/objections?purpose={draft.Purpose}", outcome.Value) : Problems.From(outcome.Error);
    }

    private static async Task<Results<Ok<IReadOnlyList<VisitorObjection>>, ProblemHttpResult>> ListAsync(PurposeId purpose, string? after, int? limit, AccountabilityService accountability, ClaimsPrincipal user, CancellationToken ct) =>
        Problems.OkOr(await accountability.ListVisitorObjectionsAsync(Policies.ActorOf(user), purpose, after, limit ?? 100, ct));
}
