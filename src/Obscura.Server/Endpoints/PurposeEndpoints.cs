using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Obscura.Governance;
using Obscura.Governance.Assessments;
using Obscura.Governance.Consent;
using Obscura.Governance.Purposes;
using Obscura.Governance.Records;
using Obscura.Governance.Subjects;
using Obscura.Server.Security;

namespace Obscura.Server.Endpoints;

/// <summary>Purposes, Art. 6(4) assessments, processing decisions and the Art. 30 records.</summary>
internal static class PurposeEndpoints
{
    public static IEndpointRouteBuilder MapPurposes(this IEndpointRouteBuilder app)
    {
        var purposes = app.MapGroup("/v1/purposes").WithTags("Purposes");
        purposes.MapPost("/", RegisterAsync).RequireAuthorization(Policies.Controller);
        purposes.MapGet("/", async (GovernanceService g, CancellationToken ct) => TypedResults.Ok(await g.ListPurposesAsync(ct))).RequireAuthorization(Policies.AnyRole);
        purposes.MapGet("/{purposeId}", GetAsync).RequireAuthorization(Policies.AnyRole);

        var assessments = app.MapGroup("/v1/assessments").WithTags("Compatibility assessments");
        assessments.MapPost("/", RecordAssessmentAsync).RequireAuthorization(Policies.Controller);
        assessments.MapGet("/", async (GovernanceService g, PurposeId? from, PurposeId? to, CancellationToken ct) => TypedResults.Ok(await g.ListAssessmentsAsync(from, to, ct))).RequireAuthorization(Policies.ControllerOrAuditor);

        app.MapGet("/v1/decisions", DecideAsync).WithTags("Processing decisions").RequireAuthorization(Policies.ControllerOrProcessor);

        var records = app.MapGroup("/v1/records").WithTags("Records of processing");
        records.MapGet("/", async (GovernanceService g, CancellationToken ct) => TypedResults.Ok(await g.GetRecordsOfProcessingAsync(ct))).RequireAuthorization(Policies.ControllerOrAuditor);
        records.MapGet("/markdown", async (GovernanceService g, CancellationToken ct) => TypedResults.Text(RecordsMarkdown.Render(await g.GetRecordsOfProcessingAsync(ct)), "text/markdown; charset=utf-8")).RequireAuthorization(Policies.ControllerOrAuditor);
        return app;
    }

    private static async Task<Results<Created<Purpose>, ProblemHttpResult>> RegisterAsync(PurposeDefinition definition, GovernanceService governance, ClaimsPrincipal user, CancellationToken ct)
    {
        var outcome = await governance.RegisterPurposeAsync(Policies.ActorOf(user), definition, ct);
        return outcome.Succeeded ? TypedResults.Created($"/v1/purposes/{outcome.Value.Id}", outcome.Value) : Problems.From(outcome.Error);
    }

    private static async Task<Results<Ok<Purpose>, ProblemHttpResult>> GetAsync(PurposeId purposeId, GovernanceService governance, CancellationToken ct) =>
        await governance.GetPurposeAsync(purposeId, ct) is { } purpose
            ? TypedResults.Ok(purpose)
            : TypedResults.Problem(detail: $"Purpose '{purposeId}' is not registered.", statusCode: StatusCodes.Status404NotFound);

    private static async Task<Results<Created<CompatibilityAssessment>, ProblemHttpResult>> RecordAssessmentAsync(CompatibilityAssessmentDraft draft, GovernanceService governance, ClaimsPrincipal user, CancellationToken ct)
    {
        var outcome = await governance.RecordAssessmentAsync(Policies.ActorOf(user), draft, ct);
        return outcome.Succeeded ? TypedResults.Created($"/v1/assessments?from={draft.FromPurpose}&to={draft.ToPurpose}", outcome.Value) : Problems.From(outcome.Error);
    }

    private static async Task<Ok<ProcessingDecision>> DecideAsync(SubjectId subject, PurposeId purpose, PurposeId? collectedFor, GovernanceService governance, CancellationToken ct) =>
        TypedResults.Ok(await governance.AuthorizeAsync(subject, purpose, collectedFor, ct));
}
