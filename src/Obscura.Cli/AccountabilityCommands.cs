using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Obscura.Governance;
using Obscura.Governance.Accountability;
using Obscura.Governance.Purposes;
using Obscura.Governance.Serialization;

namespace Obscura.Cli;

/// <summary>
/// <c>obscura accountability …</c>: the accountability documents of a purpose and the visitors' objections, as over
/// HTTP under <c>/v1/purposes/{id}/</c> and <c>/v1/store/objections</c>; each recorded document is a ledger entry.
/// </summary>
public static partial class ObscuraCli
{
    /// <summary>The document kinds <c>accountability record --kind</c> accepts and the route each is posted to.</summary>
    private static readonly Dictionary<string, string> DocumentRoutes = new(StringComparer.Ordinal)
    {
        ["legitimate-interests"] = "legitimate-interests",
        ["impact-assessment"] = "impact-assessment",
        ["prior-consultation"] = "prior-consultation",
        ["processor-review"] = "processor-reviews",
        ["notice-particulars"] = "notice-particulars",
    };

    private static Command AccountabilityCommands(CliRunner runner)
    {
        var purpose = CliOptions.Purpose();
        var kind = new Option<string>("--kind") { Description = "legitimate-interests, impact-assessment, prior-consultation, processor-review or notice-particulars.", Required = true };
        kind.AcceptOnlyFromAmong([.. DocumentRoutes.Keys]);
        var file = CliOptions.File("JSON document (its purpose must be --purpose)");
        var record = Define(runner, "record", "Record an accountability document of a purpose in the audit ledger; the latest of each kind (per processor for reviews) is in force.", [purpose, kind, file], r =>
        {
            var json = r.GetValue(file)!.Name == "-" ? Console.In.ReadToEnd() : File.ReadAllText(r.GetValue(file)!.FullName);
            var id = r.GetValue(purpose);
            return new Operation(
                async (s, ct) => r.GetValue(kind) switch
                {
                    "legitimate-interests" => await RecordDocumentAsync<LegitimateInterestsAssessment>(json, id, d => d.Purpose, d => s.Accountability.RecordLegitimateInterestsAsync(s.Actor, d, ct)),
                    "impact-assessment" => await RecordDocumentAsync<ImpactAssessment>(json, id, d => d.Purpose, d => s.Accountability.RecordImpactAssessmentAsync(s.Actor, d, ct)),
                    "prior-consultation" => await RecordDocumentAsync<PriorConsultation>(json, id, d => d.Purpose, d => s.Accountability.RecordPriorConsultationAsync(s.Actor, d, ct)),
                    "processor-review" => await RecordDocumentAsync<ProcessorReview>(json, id, d => d.Purpose, d => s.Accountability.RecordProcessorReviewAsync(s.Actor, d, ct)),
                    _ => await RecordDocumentAsync<NoticeParticulars>(json, id, d => d.Purpose, d => s.Accountability.RecordNoticeParticularsAsync(s.Actor, d, ct)),
                },
                () => SendRaw(HttpMethod.Post, $"/v1/purposes/{id}/{DocumentRoutes[r.GetValue(kind)!]}", json));
        });

        var showPurpose = CliOptions.Purpose();
        var show = Define(runner, "show", "The accountability documents in force for a purpose and every gap (exit 18 when they do not match the ledger).", [showPurpose], r => new Operation(
            async (s, ct) => Reply.Of(await s.Accountability.GetAsync(r.GetValue(showPurpose), ct)),
            () => Get($"/v1/purposes/{r.GetValue(showPurpose)}/accountability")));

        var objectPurpose = CliOptions.Purpose();
        var store = new Option<string>("--store") { Description = "The store, e.g. store-17.", Required = true };
        var date = new Option<string>("--date") { Description = "The day of the visit, yyyy-MM-dd.", Required = true };
        var channel = new Option<string>("--channel") { Description = "How the objection came in, e.g. kiosk, web-form, in-person.", Required = true };
        var reason = new Option<string?>("--reason") { Description = "What the visitor wrote, optional (at most 1000 characters)." };
        var objection = Define(runner, "object", "Record an anonymous store visitor's objection (Art. 21) in the audit ledger.", [objectPurpose, store, date, channel, reason], r =>
        {
            if (!DateOnly.TryParseExact(r.GetValue(date), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                throw new CliFailure(ExitCodes.Usage, "--date is a date yyyy-MM-dd.");
            }

            var draft = new VisitorObjectionDraft(r.GetValue(objectPurpose), r.GetValue(store)!, day, r.GetValue(channel)!, r.GetValue(reason));
            return new Operation(
                async (s, ct) => Reply.Of(await s.Accountability.RecordVisitorObjectionAsync(s.Actor, draft, ct)),
                () => Send(HttpMethod.Post, "/v1/store/objections", draft));
        });

        var listPurpose = CliOptions.Purpose();
        var after = new Option<string?>("--after") { Description = "The last id of the previous page." };
        var limit = new Option<int>("--limit") { Description = $"At most this many (1-{VisitorObjection.MaxPageSize}).", DefaultValueFactory = _ => 100 };
        var objections = Define(runner, "objections", "List the visitors' objections to a purpose in the order recorded; the read is recorded in the access log.", [listPurpose, after, limit], r => new Operation(
            async (s, ct) => Reply.Of(await s.Accountability.ListVisitorObjectionsAsync(s.Actor, r.GetValue(listPurpose), r.GetValue(after), r.GetValue(limit), ct)),
            () => Get($"/v1/store/objections?purpose={Q(r.GetValue(listPurpose))}&limit={r.GetValue(limit)}" + (r.GetValue(after) is { } a ? $"&after={Q(a)}" : string.Empty))));

        return Group("accountability", "Accountability documents of a purpose (LIA, DPIA, prior consultation, processor reviews, notice particulars) and visitors' objections (Art. 21).", record, show, objection, objections);
    }

    private static async Task<Reply> RecordDocumentAsync<T>(string json, PurposeId purpose, Func<T, PurposeId> purposeOf, Func<T, Task<Outcome<T>>> record)
        where T : class
    {
        T? document;
        try
        {
            document = JsonSerializer.Deserialize<T>(json, GovernanceJson.Options);
        }
        catch (JsonException ex)
        {
            return new Reply(null, new GovernanceError(GovernanceErrorKind.Invalid, ex.Message, ex.Path));
        }

        if (document is null)
        {
            return new Reply(null, new GovernanceError(GovernanceErrorKind.Invalid, "The file holds JSON null.", "body"));
        }

        return purposeOf(document) != purpose
            ? new Reply(null, new GovernanceError(GovernanceErrorKind.Invalid, "The document's purpose is not --purpose.", "purpose"))
            : Reply.Of(await record(document));
    }
}
