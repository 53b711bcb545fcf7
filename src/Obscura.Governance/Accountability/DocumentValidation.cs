using Obscura.Governance.Internal;

namespace Obscura.Governance.Accountability;

/// <summary>Checks that an accountability document is complete before it is stored.</summary>
internal static class DocumentValidation
{
    private const int Answer = 2000;

    public static GovernanceError? Validate(LegitimateInterestsAssessment a) =>
        Text.Check("interest", a.Interest, Answer, required: true)
        ?? Answers("purposeTest", a.PurposeTest)
        ?? Answers("necessityTest", a.NecessityTest)
        ?? Answers("balancingTest", a.BalancingTest)
        ?? (Enum.IsDefined(a.Outcome) ? null : GovernanceError.Invalid("outcome", "The outcome is Passed or Failed."))
        ?? Office("assessor", a.Assessor);

    public static GovernanceError? Validate(ImpactAssessment a)
    {
        if (a.CompletedOn == default)
        {
            return GovernanceError.Invalid("completedOn", "The date the DPIA was completed is required (yyyy-MM-dd).");
        }

        if (Text.Check("description", a.Description, 4000, required: true) is { } description)
        {
            return description;
        }

        if (a.Risks is null || a.Risks.Count == 0)
        {
            return GovernanceError.Invalid("risks", "A DPIA records at least one risk with its measures and residual risk (Art. 35(7)(c), (d)).");
        }

        for (var i = 0; i < a.Risks.Count; i++)
        {
            var r = a.Risks[i];
            if (r is null)
            {
                return GovernanceError.Invalid($"risks[{i}]", "A risk is required.");
            }

            if ((Text.Check($"risks[{i}].risk", r.Risk, Answer, required: true) ?? Text.Check($"risks[{i}].measures", r.Measures, Answer, required: true)) is { } error)
            {
                return error;
            }

            if (!Enum.IsDefined(r.Residual))
            {
                return GovernanceError.Invalid($"risks[{i}].residual", "The residual risk is Low, Medium or High.");
            }
        }

        return Text.Check("dpoAdvice", a.DpoAdvice, Answer, required: true) ?? Office("assessor", a.Assessor);
    }

    public static GovernanceError? Validate(PriorConsultation c)
    {
        if (Text.Check("authority", c.Authority, 200, required: true) is { } authority)
        {
            return authority;
        }

        if (c.SubmittedOn == default)
        {
            return GovernanceError.Invalid("submittedOn", "The date the consultation was submitted is required (yyyy-MM-dd).");
        }

        if (!Enum.IsDefined(c.Outcome))
        {
            return GovernanceError.Invalid("outcome", "The outcome is Pending, NoObjection, Conditions or Refused.");
        }

        if (c.Outcome != ConsultationOutcome.Pending)
        {
            if (Text.Check("reference", c.Reference, 200, required: true) is { } reference)
            {
                return reference;
            }

            if (c.DecidedOn is not { } decided || decided < c.SubmittedOn)
            {
                return GovernanceError.Invalid("decidedOn", "An answered consultation records the date of the answer, not before it was submitted.");
            }
        }

        return Text.Check("conditions", c.Conditions, 4000, required: c.Outcome == ConsultationOutcome.Conditions);
    }

    public static GovernanceError? Validate(ProcessorReview r)
    {
        if ((Text.Check("processor", r.Processor, 200, required: true) ?? Text.Check("contractReference", r.ContractReference, 200, required: true)) is { } error)
        {
            return error;
        }

        if (r.ReviewedOn == default)
        {
            return GovernanceError.Invalid("reviewedOn", "The date of the review is required (yyyy-MM-dd).");
        }

        if (r.Checklist is null)
        {
            return GovernanceError.Invalid("checklist", "The checklist is required.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < r.Checklist.Count; i++)
        {
            var item = r.Checklist[i];
            if (item is null || !Token.IsSlug(item.Item, 1, 64) || !seen.Add(item.Item))
            {
                return GovernanceError.Invalid($"checklist[{i}].item", "Each item is a distinct slug of 1-64 lower-case letters, digits and '-'.");
            }

            if (Text.Check($"checklist[{i}].evidence", item.Evidence, Answer, required: item.Satisfied) is { } evidence)
            {
                return evidence;
            }
        }

        return Office("reviewer", r.Reviewer);
    }

    public static GovernanceError? Validate(NoticeParticulars n) =>
        Text.Check("supervisoryAuthority", n.SupervisoryAuthority, 200, required: true)
        ?? Https("secondLayerUrl", n.SecondLayerUrl)
        ?? Https("objectionUrl", n.ObjectionUrl)
        ?? Text.Check("inStoreObjection", n.InStoreObjection, 1000, required: false)
        ?? Text.Check("dataProtectionOfficer", n.DataProtectionOfficer, 200, required: false);

    private static GovernanceError? Https(string field, Uri? url) =>
        url is { IsAbsoluteUri: true } && url.Scheme == Uri.UriSchemeHttps && url.AbsoluteUri.Length <= 2000
            ? null
            : GovernanceError.Invalid(field, "An absolute https address of at most 2000 characters is required.");

    private static GovernanceError? Answers(string field, IReadOnlyList<AssessmentAnswer>? answers)
    {
        if (answers is null || answers.Count == 0)
        {
            return GovernanceError.Invalid(field, "Each test records at least one question with its answer.");
        }

        for (var i = 0; i < answers.Count; i++)
        {
            if (answers[i] is not { } a)
            {
                return GovernanceError.Invalid($"{field}[{i}]", "An answer is required.");
            }

            if ((Text.Check($"{field}[{i}].question", a.Question, Answer, required: true) ?? Text.Check($"{field}[{i}].answer", a.Answer, Answer, required: true)) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private static GovernanceError? Office(string field, string? value) =>
        Token.IsIdentifier(value, 64) ? null : GovernanceError.Invalid(field, "A role or office id of 1-64 characters of letters, digits and ._:/@-, e.g. 'dpo'.");
}
