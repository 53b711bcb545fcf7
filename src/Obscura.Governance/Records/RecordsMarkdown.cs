using System.Globalization;
using System.Text;

namespace Obscura.Governance.Records;

/// <summary>Renders <see cref="RecordsOfProcessing"/> as Markdown for a data protection officer or a regulator.</summary>
public static class RecordsMarkdown
{
    /// <summary>The records as a Markdown document.</summary>
    public static string Render(RecordsOfProcessing records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine("# Records of processing activities (GDPR Art. 30)");
        sb.AppendLine();
        sb.AppendLine(inv, $"Generated {records.GeneratedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", inv)} UTC by Obscura.");
        if (records.Controllers.Count == 0)
        {
            sb.AppendLine();
            sb.AppendLine("No processing purpose is registered.");
        }

        foreach (var c in records.Controllers)
        {
            sb.AppendLine();
            sb.AppendLine(inv, $"## Controller: {Escape(c.Controller.Name)}");
            sb.AppendLine();
            sb.AppendLine(inv, $"Contact: {Escape(c.Controller.Contact)} ({c.Controller.Country})");
            foreach (var a in c.Activities)
            {
                sb.AppendLine();
                sb.AppendLine(inv, $"### {Escape(a.Name)} (`{a.Purpose}`)");
                sb.AppendLine();
                sb.AppendLine(Escape(a.Description));
                sb.AppendLine();
                sb.AppendLine("| Item | Record |");
                sb.AppendLine("| --- | --- |");
                sb.AppendLine(inv, $"| Lawful basis | {a.LawfulBasis} ({a.LawfulBasisProvision}) |");
                sb.AppendLine(inv, $"| Special-category condition | {(a.SpecialCategoryProvision is null ? "none" : $"{a.SpecialCategoryCondition} ({a.SpecialCategoryProvision})")} |");
                sb.AppendLine(inv, $"| Categories of data subjects | {string.Join(", ", a.SubjectCategories)} |");
                sb.AppendLine(inv, $"| Categories of personal data | {string.Join(", ", a.DataCategories.Select(d => d.IsSpecialCategory ? d.Value + " (special)" : d.Value))} |");
                sb.AppendLine(inv, $"| Recipients (processors) | {(a.Processors.Count == 0 ? "none" : string.Join("; ", a.Processors.Select(p => $"{Escape(p.Name)} ({p.Country})")))} |");
                sb.AppendLine(inv, $"| Transfers to third countries | {(a.ThirdCountryTransfers.Count == 0 ? "none" : string.Join("; ", a.ThirdCountryTransfers.Select(p => $"{Escape(p.Name)} ({p.Country})")))} |");
                sb.AppendLine(inv, $"| Time limit for erasure | {a.RetentionDays} days |");
                sb.AppendLine(inv, $"| Reuse of data (Art. 6(4)) | {(a.Reuses.Count == 0 ? "none" : string.Join("; ", a.Reuses.Select(r => $"from `{r.FromPurpose}`: {(r.Outcome is null ? "not assessed" : r.Outcome.ToString())}")))} |");
                if (a.Accountability is { } acc)
                {
                    sb.AppendLine(inv, $"| Legitimate-interests assessment (Art. 6(1)(f)) | {(acc.LegitimateInterests is { } lia ? $"{lia.Outcome}, by {lia.Assessor}" : "none")} |");
                    sb.AppendLine(inv, $"| DPIA (Art. 35) | {(acc.ImpactAssessment is { } dpia ? $"completed {dpia.CompletedOn:yyyy-MM-dd}, highest residual risk {dpia.Risks.Max(r => r.Residual)}" : "none")} |");
                    sb.AppendLine(inv, $"| Prior consultation (Art. 36) | {(acc.PriorConsultation is { } pc ? $"{Escape(pc.Authority)}, submitted {pc.SubmittedOn:yyyy-MM-dd}, {pc.Outcome}{(pc.Reference is null ? string.Empty : $", ref. {Escape(pc.Reference)}")}" : "none")} |");
                    sb.AppendLine(inv, $"| Processor reviews (Art. 28) | {(acc.ProcessorReviews.Count == 0 ? "none" : string.Join("; ", acc.ProcessorReviews.Select(r => $"{Escape(r.Processor)}: {(r.Complete ? "checklist complete" : "checklist INCOMPLETE")} ({r.ReviewedOn:yyyy-MM-dd})")))} |");
                    sb.AppendLine(inv, $"| Visitors' objections (Art. 21) | {acc.VisitorObjections} |");
                    sb.AppendLine(inv, $"| Accountability gaps | {(acc.Complete ? "none" : "**" + string.Join(" ", acc.Gaps.Select(Escape)) + "**")} |");
                }

                sb.AppendLine();
                sb.AppendLine("Technical and organisational measures:");
                foreach (var m in a.SecurityMeasures)
                {
                    sb.AppendLine(inv, $"- {m}");
                }
            }
        }

        return sb.ToString();
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
