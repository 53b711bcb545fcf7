using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Obscura.Governance;
using Obscura.Governance.Consent;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.Server.Security;

namespace Obscura.Server.Endpoints;

/// <summary>Data subjects, their consent and their objections.</summary>
internal static class SubjectEndpoints
{
    /// <summary>Body of <c>POST /v1/subjects</c>: <c>{"id":"…"}</c>, or <c>{"id":null}</c> for a fresh random id. An empty or <c>null</c> body, and <c>{}</c>, are refused.</summary>
    /// <param name="Id">The pseudonymous id to use; a random one when omitted.</param>
    public sealed record RegisterSubjectRequest(SubjectId? Id);

    /// <summary>Body of <c>POST /v1/subjects/{id}/consents</c>.</summary>
    public sealed record GiveConsentRequest(PurposeId Purpose, string NoticeVersion, bool Explicit, string Channel);

    /// <summary>Body of <c>POST /v1/subjects/{id}/objections</c>.</summary>
    public sealed record ObjectionRequest(PurposeId Purpose);

    public static IEndpointRouteBuilder MapSubjects(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/subjects").WithTags("Subjects").AddEndpointFilter<SubjectScopeFilter>();
        group.MapPost("/", RegisterAsync).RequireAuthorization(Policies.Controller);
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.Controller);
        group.MapGet("/{subjectId}/consents", StatusAsync).RequireAuthorization(Policies.ControllerAuditorOrSubject);
        group.MapPost("/{subjectId}/consents", GiveAsync).RequireAuthorization(Policies.ControllerOrSubject);
        group.MapDelete("/{subjectId}/consents/{purposeId}", WithdrawAsync).RequireAuthorization(Policies.ControllerOrSubject).AddEndpointFilter<BiometricWithdrawalFilter>();
        group.MapPost("/{subjectId}/objections", ObjectAsync).RequireAuthorization(Policies.ControllerOrSubject).AddEndpointFilter<BiometricWithdrawalFilter>();
        group.MapDelete("/{subjectId}/objections/{purposeId}", LiftAsync).RequireAuthorization(Policies.ControllerOrSubject);
        return app;
    }

    private static async Task<Results<Created<SubjectRecord>, ProblemHttpResult>> RegisterAsync(RegisterSubjectRequest? request, GovernanceService governance, ClaimsPrincipal user, CancellationToken ct)
    {
        if (request is null)
        {
            // A lost or truncated body must not silently create a subject under a random id.
            return Problems.From(new GovernanceError(GovernanceErrorKind.Invalid, "A JSON body is required: {\"id\":\"…\"} registers that id, {\"id\":null} a fresh random one.", "body"));
        }

        var outcome = await governance.RegisterSubjectAsync(Policies.ActorOf(user), request.Id, ct);
        return outcome.Succeeded ? TypedResults.Created($"/v1/subjects/{outcome.Value.Id}", outcome.Value) : Problems.From(outcome.Error);
    }

    private static async Task<Results<Ok<IReadOnlyList<SubjectRecord>>, ProblemHttpResult>> ListAsync(GovernanceService governance, ClaimsPrincipal user, SubjectId? after, int? limit, CancellationToken ct) =>
        Problems.OkOr(await governance.ListSubjectsAsync(Policies.ActorOf(user), after, limit ?? 100, ct));

    private static async Task<Results<Ok<IReadOnlyList<ConsentStatus>>, ProblemHttpResult>> StatusAsync(SubjectId subjectId, GovernanceService governance, ClaimsPrincipal user, CancellationToken ct) =>
        Problems.OkOr(await governance.GetConsentStatusAsync(Policies.ActorOf(user), subjectId, ct));

    private static async Task<Results<Ok<ConsentStatus>, ProblemHttpResult>> GiveAsync(SubjectId subjectId, GiveConsentRequest request, GovernanceService governance, ClaimsPrincipal user, CancellationToken ct) =>
        Problems.OkOr(await governance.GiveConsentAsync(Policies.ActorOf(user), new ConsentGrant(subjectId, request.Purpose, request.NoticeVersion, request.Explicit, request.Channel), ct));

    private static async Task<Results<Ok<ConsentStatus>, ProblemHttpResult>> WithdrawAsync(SubjectId subjectId, PurposeId purposeId, GovernanceService governance, ClaimsPrincipal user, CancellationToken ct) =>
        Problems.OkOr(await governance.WithdrawConsentAsync(Policies.ActorOf(user), subjectId, purposeId, ct));

    private static async Task<Results<Ok<ConsentStatus>, ProblemHttpResult>> ObjectAsync(SubjectId subjectId, ObjectionRequest request, GovernanceService governance, ClaimsPrincipal user, CancellationToken ct) =>
        Problems.OkOr(await governance.ObjectAsync(Policies.ActorOf(user), subjectId, request.Purpose, ct));

    private static async Task<Results<Ok<ConsentStatus>, ProblemHttpResult>> LiftAsync(SubjectId subjectId, PurposeId purposeId, GovernanceService governance, ClaimsPrincipal user, CancellationToken ct) =>
        Problems.OkOr(await governance.LiftObjectionAsync(Policies.ActorOf(user), subjectId, purposeId, ct));
}
