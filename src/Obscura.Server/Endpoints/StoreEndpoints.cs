using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Obscura.Governance.Accountability;
using Obscura.Governance.Purposes;
using Obscura.Server.Security;

namespace Obscura.Server.Endpoints;

/// <summary>In-store visitor analytics: the Art. 21 objection channel for anonymous visitors, and the accountability documents of a purpose.</summary>
internal static class StoreEndpoints
{
    public static IEndpointRouteBuilder MapStore(this IEndpointRouteBuilder app)
    {
        var objections = app.MapGroup("/v1/store/objections").WithTags("Store visitors' objections");
        objections.MapPost("/", RecordAsync).RequireAuthorization(Policies.ObjectionIntake)
            .WithSummary("Records an anonymous visitor's objection (Art. 21) in the audit ledger: purpose, store, date, channel and an optional reason (at most 1000 characters). Kiosk and objection-form keys (role ObjectionIntake) and the controller.");
        objections.MapGet("/", ListAsync).RequireAuthorization(Policies.ControllerOrAuditor)
            .WithSummary("Lists the visitors' objections to a purpose in the order recorded (after: the last id of the previous page; limit 1-500, default 100); the read is recorded in the access log.");

        var purposes = app.MapGroup("/v1/purposes/{purposeId}").WithTags("Accountability");
        purposes.MapPost("/legitimate-interests", (PurposeId purposeId, LegitimateInterestsAssessment body, AccountabilityService a, ClaimsPrincipal user, CancellationToken ct) =>
            Record(purposeId, body.Purpose, () => a.RecordLegitimateInterestsAsync(Policies.ActorOf(user), body, ct))).RequireAuthorization(Policies.Controller)
            .WithSummary("Records a legitimate-interests assessment (Art. 6(1)(f)): purpose, necessity and balancing tests with their answers, and the outcome.");
        purposes.MapPost("/impact-assessment", (PurposeId purposeId, ImpactAssessment body, AccountabilityService a, ClaimsPrincipal user, CancellationToken ct) =>
            Record(purposeId, body.Purpose, () => a.RecordImpactAssessmentAsync(Policies.ActorOf(user), body, ct))).RequireAuthorization(Policies.Controller)
            .WithSummary("Records a DPIA (Art. 35): risks, measures and residual risk; a high residual risk needs a prior consultation.");
        purposes.MapPost("/prior-consultation", (PurposeId purposeId, PriorConsultation body, AccountabilityService a, ClaimsPrincipal user, CancellationToken ct) =>
            Record(purposeId, body.Purpose, () => a.RecordPriorConsultationAsync(Policies.ActorOf(user), body, ct))).RequireAuthorization(Policies.Controller)
            .WithSummary("Records a prior consultation of the supervisory authority (Art. 36): authority, dates, outcome and reference.");
        purposes.MapPost("/processor-reviews", (PurposeId purposeId, ProcessorReview body, AccountabilityService a, ClaimsPrincipal user, CancellationToken ct) =>
            Record(purposeId, body.Purpose, () => a.RecordProcessorReviewAsync(Policies.ActorOf(user), body, ct))).RequireAuthorization(Policies.Controller)
            .WithSummary("Records the controller's review of a declared processor (Art. 28) with its security checklist.");
        purposes.MapPost("/notice-particulars", (PurposeId purposeId, NoticeParticulars body, AccountabilityService a, ClaimsPrincipal user, CancellationToken ct) =>
            Record(purposeId, body.Purpose, () => a.RecordNoticeParticularsAsync(Policies.ActorOf(user), body, ct))).RequireAuthorization(Policies.Controller)
            .WithSummary("Records the particulars of the layered notice: https addresses of the second layer and the objection form, the in-store objection procedure, the supervisory authority, the DPO.");
        purposes.MapGet("/accountability", async (PurposeId purposeId, AccountabilityService a, CancellationToken ct) => Problems.OkOr(await a.GetAsync(purposeId, ct))).RequireAuthorization(Policies.ControllerOrAuditor)
            .WithSummary("The accountability documents in force for the purpose and every gap (missing, failed, pending or incomplete).");
        return app;
    }

    private static async Task<Results<Created<T>, ProblemHttpResult>> Record<T>(PurposeId inPath, PurposeId inBody, Func<Task<Governance.Outcome<T>>> record)
    {
        if (inPath != inBody)
        {
            return Problems.From(new Governance.GovernanceError(Governance.GovernanceErrorKind.Invalid, "The body's purpose is not the purpose in the path.", "purpose"));
        }

        var outcome = await record();
        return outcome.Succeeded ? TypedResults.Created($"/v1/purposes/{inPath}/accountability", outcome.Value) : Problems.From(outcome.Error);
    }

    private static async Task<Results<Created<VisitorObjection>, ProblemHttpResult>> RecordAsync(VisitorObjectionDraft draft, AccountabilityService accountability, ClaimsPrincipal user, CancellationToken ct)
    {
        var outcome = await accountability.RecordVisitorObjectionAsync(Policies.ActorOf(user), draft, ct);
        return outcome.Succeeded ? TypedResults.Created($"/v1/store/objections?purpose={draft.Purpose}", outcome.Value) : Problems.From(outcome.Error);
    }

    private static async Task<Results<Ok<IReadOnlyList<VisitorObjection>>, ProblemHttpResult>> ListAsync(PurposeId purpose, string? after, int? limit, AccountabilityService accountability, ClaimsPrincipal user, CancellationToken ct) =>
        Problems.OkOr(await accountability.ListVisitorObjectionsAsync(Policies.ActorOf(user), purpose, after, limit ?? 100, ct));
}
