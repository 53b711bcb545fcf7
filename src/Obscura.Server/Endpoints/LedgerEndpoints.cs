using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Obscura.Governance.Ledger;
using Obscura.Governance.Subjects;
using Obscura.Server.Security;

namespace Obscura.Server.Endpoints;

/// <summary>
/// The audit ledger, read-only: appends happen inside the domain services, never on a client's request. Heads and
/// proofs are open to every role; entries, the subject index and a subject's access log to auditors (and a subject for
/// their own).
/// </summary>
internal static class LedgerEndpoints
{
    public static IEndpointRouteBuilder MapLedger(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/ledger").WithTags("Audit ledger");
        group.MapGet("/public-key", (LedgerService l) => TypedResults.Text(l.VerificationKey.ExportPem(), "application/x-pem-file")).AllowAnonymous();
        group.MapGet("/head", HeadAsync).RequireAuthorization(Policies.AnyRole);
        group.MapGet("/proofs/inclusion", async (LedgerService l, long leafIndex, long? treeSize, CancellationToken ct) => Problems.OkOr(await l.GetInclusionProofAsync(leafIndex, treeSize, ct))).RequireAuthorization(Policies.AnyRole);
        group.MapGet("/proofs/consistency", async (LedgerService l, long firstSize, long? secondSize, CancellationToken ct) => Problems.OkOr(await l.GetConsistencyProofAsync(firstSize, secondSize, ct))).RequireAuthorization(Policies.AnyRole);
        group.MapGet("/entries", async (LedgerService l, long? from, int? limit, CancellationToken ct) => Problems.OkOr(await l.GetEntriesAsync(from ?? 0, limit ?? 100, ct))).RequireAuthorization(Policies.Auditor);
        group.MapGet("/subjects/{subjectId}/entries", SubjectEntriesAsync).RequireAuthorization(Policies.AuditorOrSubject).AddEndpointFilter<SubjectScopeFilter>();
        group.MapGet("/subjects/{subjectId}/accesses", SubjectAccessesAsync).RequireAuthorization(Policies.AuditorOrSubject).AddEndpointFilter<SubjectScopeFilter>();
        group.MapPost("/verify", async (LedgerService l, CancellationToken ct) => TypedResults.Ok(await l.VerifyAsync(null, null, ct))).RequireAuthorization(Policies.ControllerOrAuditor);
        return app;
    }

    private static async Task<Results<Ok<SignedTreeHead>, ProblemHttpResult>> HeadAsync(LedgerService ledger, CancellationToken ct) =>
        await ledger.GetLatestHeadAsync(ct) is { } head
            ? TypedResults.Ok(head)
            : TypedResults.Problem(detail: "The ledger is empty.", statusCode: StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<IReadOnlyList<AuditEntry>>, ProblemHttpResult>> SubjectEntriesAsync(SubjectId subjectId, long? from, int? limit, LedgerService ledger, ClaimsPrincipal user, CancellationToken ct) =>
        Problems.OkOr(await ledger.GetSubjectEntriesAsync(Policies.ActorOf(user), subjectId, from ?? 0, limit ?? 100, ct));

    private static async Task<Results<Ok<IReadOnlyList<AccessLogEntry>>, ProblemHttpResult>> SubjectAccessesAsync(SubjectId subjectId, long? from, int? limit, LedgerService ledger, ClaimsPrincipal user, CancellationToken ct) =>
        Problems.OkOr(await ledger.GetSubjectAccessesAsync(Policies.ActorOf(user), subjectId, from ?? 0, limit ?? 100, ct));
}
