using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Obscura.Governance;
using Obscura.Governance.Accountability;
using Obscura.Governance.Budgets;
using Obscura.Governance.Purposes;
using Obscura.Privacy;
using Obscura.Server.Hosting;
using Obscura.Server.Security;
using Obscura.StoreAnalytics.Analytics;
using Obscura.StoreAnalytics.Notice;
using Obscura.StoreAnalytics.Outbox;
using Obscura.StoreAnalytics.Reporting;

namespace Obscura.Server.Endpoints;

/// <summary>
/// The processor's inbox over HTTP (docs/store-analytics.md): store edges post their signed batches, and the notice and
/// the aggregate report are published from the governance records and the inbox behind <see cref="PublicationGate"/>.
/// </summary>
internal static class StoreInboxEndpoints
{
    /// <summary>The problem type of a notice or report that the publication gate blocks (the CLI's exit 19).</summary>
    public const string PublicationBlockedProblemType = "urn:obscura:problem:publication-blocked";

    private const string Blockers = $"Type {PublicationBlockedProblemType}: the purpose's governance is incomplete; `blockers` lists what is missing, each naming its article.";

    public static IEndpointRouteBuilder MapStoreInbox(this IEndpointRouteBuilder app)
    {
        var batches = app.MapPost(HttpBatchSink.Route, PostBatchAsync).RequireAuthorization(Policies.Edge).WithTags("Store analytics")
            .WithSummary("Stores one signed batch of a store's edge (JSON batchId, payload, signature; base64), verified under the store's registered public key: 201 accepted, 200 duplicate (already held, not counted again), 422 batch-rejected (bad signature, unknown store, malformed, or the id held with other content), 403 store-not-bound (the key is not the one registered for the batch's store). Role Edge only.");
        ProblemResponsesTransformer.WithProblems(
            batches,
            (StatusCodes.Status403Forbidden, $"The key's role is not Edge, or (type {HttpBatchSink.NotBoundProblemType}) the key is not the one registered for the batch's store."),
            (StatusCodes.Status422UnprocessableEntity, $"Type {HttpBatchSink.RejectedProblemType}: the signature does not verify under the store's registered key, the store is not registered, the payload is not a batch, or the id is held with other content. Nothing is stored."));
        var notice = app.MapGet("/v1/store/purposes/{purposeId}/notice", NoticeAsync).RequireAuthorization(Policies.ControllerOrAuditor).WithTags("Store analytics")
            .WithSummary("The layered notice generated from the purpose's governance records and the store's registered edge configuration: layer=page (default, the second-layer HTML), sign (the first-layer SVG) or text (the sign's lines); 409 publication-blocked while the governance is incomplete.")
            .Produces<string>(StatusCodes.Status200OK, "text/html", "image/svg+xml", "text/plain");
        ProblemResponsesTransformer.WithProblems(notice, (StatusCodes.Status409Conflict, Blockers));
        var report = app.MapGet("/v1/store/report", ReportAsync).RequireAuthorization(Policies.ControllerOrAuditor).WithTags("Store analytics")
            .WithSummary("The aggregate visitor report from the server's inbox, the JSON of 'obscura store report' (minCell: k, default 5; epsilon and dataset: noised visit counts charged to the dataset's privacy budget first); 409 publication-blocked while the purpose's governance is incomplete.")
            .Produces<string>(StatusCodes.Status200OK, "application/json");
        ProblemResponsesTransformer.WithProblems(report, (StatusCodes.Status409Conflict, Blockers));
        return app;
    }

    private static async Task<Results<Created<BatchReceipt>, Ok<BatchReceipt>, ProblemHttpResult>> PostBatchAsync(SignedBatch batch, StoreInbox inbox, ClaimsPrincipal user, CancellationToken ct)
    {
        if (batch is not { BatchId: not null, Payload: not null, Signature: not null })
        {
            return Problems.From(new GovernanceError(GovernanceErrorKind.Invalid, "A batch is {\"batchId\",\"payload\",\"signature\"}, payload and signature base64.", "batch"));
        }

        EventBatch parsed;
        try
        {
            parsed = EventBatch.FromPayload(batch.Payload);
        }
        catch (InvalidDataException ex)
        {
            return Rejected(ex.Message);
        }

        if (inbox.Registry.Find(parsed.Store) is not { } edge)
        {
            return Rejected("The batch's store is not registered with this server.");
        }

        // The key is bound to one store: a store's edge cannot post, or replay, another store's batches.
        if (user.Identity?.Name != "apikey:" + edge.ApiKeyName)
        {
            return TypedResults.Problem(detail: "This API key is not the one registered for the batch's store.", statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.", type: HttpBatchSink.NotBoundProblemType);
        }

        return await inbox.Batches.DeliverAsync(batch, ct) switch
        {
            DeliveryResult.Accepted => TypedResults.Created($"{HttpBatchSink.Route}/{batch.BatchId}", new BatchReceipt(batch.BatchId, "accepted")),
            DeliveryResult.Duplicate => TypedResults.Ok(new BatchReceipt(batch.BatchId, "duplicate")),
            _ => Rejected("The signature does not verify under the store's registered key, or a batch with this id and other content is held."),
        };
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> NoticeAsync(PurposeId purposeId, string store, string? layer, StoreInbox inbox, AccountabilityService accountability, CancellationToken ct)
    {
        var kind = layer ?? "page";
        if (kind is not ("page" or "sign" or "text"))
        {
            return Problems.From(new GovernanceError(GovernanceErrorKind.Invalid, "layer is page, sign or text.", "layer"));
        }

        if (!StoreEdgeRegistry.IsStoreId(store) || inbox.Registry.FindConfiguration(store) is not { } configuration)
        {
            return Problems.From(new GovernanceError(GovernanceErrorKind.NotFound, "No edge configuration is registered for this store ('obscura store edge register --config').", "store"));
        }

        var governed = await accountability.GetGovernedAsync(purposeId, ct);
        if (!governed.Succeeded)
        {
            return Problems.From(governed.Error);
        }

        LayeredNotice notice;
        try
        {
            notice = GovernedNotice.Generate(governed.Value.Purpose, governed.Value.Accountability, configuration);
        }
        catch (PublicationRefusedException ex)
        {
            return Blocked(ex);
        }

        return kind switch
        {
            "sign" => TypedResults.Content(notice.SignSvg, "image/svg+xml; charset=utf-8"),
            "text" => TypedResults.Content(string.Join('\n', notice.SignText) + "\n", "text/plain; charset=utf-8"),
            _ => TypedResults.Content(notice.SecondLayerHtml, "text/html; charset=utf-8"),
        };
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> ReportAsync(
        PurposeId purpose, int? minCell, string? epsilon, string? dataset, StorePublication publication, PrivacyBudgetLedger budgets, ClaimsPrincipal user, CancellationToken ct)
    {
        Rational? eps;
        try
        {
            eps = epsilon is null ? null : Rational.Parse(epsilon);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentOutOfRangeException)
        {
            return Problems.From(new GovernanceError(GovernanceErrorKind.Invalid, "epsilon is a non-negative decimal such as 0.5.", "epsilon"));
        }

        var options = new ReportOptions(minCell ?? 5, eps);
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            return Problems.From(new GovernanceError(GovernanceErrorKind.Invalid, ex.Message.Split(Environment.NewLine)[0], eps is null ? "minCell" : "epsilon"));
        }

        if (eps is not null && string.IsNullOrWhiteSpace(dataset))
        {
            return Problems.From(new GovernanceError(GovernanceErrorKind.Invalid, "epsilon is charged to a privacy budget: give dataset.", "dataset"));
        }

        GovernanceError? refusal = null;
        Outcome<VisitorReport?> published;
        try
        {
            published = await publication.ReportAsync(
                purpose,
                options,
                eps is null ? null : async (cost, token) =>
                {
                    var charged = await budgets.ChargeAsync(Policies.ActorOf(user), dataset!, purpose, cost, "store report: visits", token);
                    refusal = charged.Succeeded ? null : charged.Error;
                    return charged.Succeeded;
                },
                ct);
        }
        catch (PublicationRefusedException ex)
        {
            return Blocked(ex);
        }

        if (!published.Succeeded)
        {
            return Problems.From(published.Error);
        }

        return published.Value is not { } report
            ? Problems.From(refusal ?? new GovernanceError(GovernanceErrorKind.Refused, "The privacy budget refused the charge."))
            : TypedResults.Content(PublishedReportJson.Serialize(report, options), "application/json; charset=utf-8");
    }

    private static ProblemHttpResult Rejected(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status422UnprocessableEntity, title: "The batch is rejected.", type: HttpBatchSink.RejectedProblemType);

    private static ProblemHttpResult Blocked(PublicationRefusedException refused) =>
        TypedResults.Problem(
            detail: $"Purpose '{refused.Purpose}' cannot be published while its governance is incomplete.",
            statusCode: StatusCodes.Status409Conflict,
            title: "Publication is blocked.",
            type: PublicationBlockedProblemType,
            extensions: new Dictionary<string, object?> { ["blockers"] = refused.Blockers });
}
