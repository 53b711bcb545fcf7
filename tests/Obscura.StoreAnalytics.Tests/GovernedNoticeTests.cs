using Obscura.Governance.Accountability;
using Obscura.Governance.Purposes;
using Obscura.StoreAnalytics.Notice;
using Obscura.TestSupport;

namespace Obscura.StoreAnalytics.Tests;

/// <summary>
/// The layered notice generated from the governance records (issue 16): both layers state every Art. 13 item taken
/// from the purpose's registration, its LIA and its notice particulars; a changed record changes the notice; and the
/// publication gate refuses while any condition of the governance is unmet.
/// </summary>
public sealed class GovernedNoticeTests
{
    private static readonly PurposeId Id = SamplePurposes.StoreAnalytics.Id;

    private static Purpose Registered(PurposeDefinition? definition = null) => new(definition ?? SamplePurposes.StoreAnalytics, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static PurposeAccountability Complete(
        Purpose? purpose = null,
        LegitimateInterestsAssessment? lia = null,
        ImpactAssessment? dpia = null,
        PriorConsultation? consultation = null,
        IReadOnlyList<ProcessorReview>? reviews = null,
        NoticeParticulars? particulars = null)
    {
        var p = purpose ?? Registered();
        return PurposeAccountability.Build(
            p,
            lia ?? SampleAccountability.Lia(p.Id),
            dpia ?? SampleAccountability.Dpia(p.Id),
            consultation ?? SampleAccountability.Consultation(p.Id, ConsultationOutcome.NoObjection),
            reviews ?? p.Definition.Processors.Select(o => SampleAccountability.Review(p.Id, o.Name, complete: true)).ToList(),
            0) with
        { NoticeParticulars = particulars ?? SampleAccountability.Particulars(p.Id) };
    }

    private static LayeredNotice Generate(Purpose purpose, PurposeAccountability accountability) =>
        GovernedNotice.Generate(purpose, accountability, EdgeFixtures.Configuration(k: 5));

    [Fact]
    public void Both_layers_state_every_art_13_item_taken_from_the_records()
    {
        var purpose = Registered();
        var notice = Generate(purpose, Complete(purpose));
        var sign = string.Join("\n", notice.SignText);
        var html = System.Net.WebUtility.HtmlDecode(notice.SecondLayerHtml);
        var particulars = SampleAccountability.Particulars(Id);
        var d = SamplePurposes.StoreAnalytics;

        // Who, why, on which basis, how to object, how to complain, where to read more: on the sign and in the page.
        foreach (var item in new[]
        {
            d.Controller.Name, d.Controller.Contact, "To plan staffing and the store layout from visitor flows and queues", "Art. 6(1)(f)", "concluded: passed",
            "faces", "group ID", "Art. 21", particulars.InStoreObjection!, particulars.ObjectionUrl.AbsoluteUri, particulars.SupervisoryAuthority,
            "Analytics Cloud GmbH (DE", "Insight Labs Inc. (US", "30 days",
        })
        {
            Assert.Contains(item, sign, StringComparison.Ordinal);
            Assert.Contains(item, html, StringComparison.Ordinal);
        }

        Assert.Contains(particulars.SecondLayerUrl.AbsoluteUri, sign, StringComparison.Ordinal);

        // The page alone: the DPO, the purpose as registered, the transfer outside the EEA, the right to complain (Art. 77).
        foreach (var item in new[] { particulars.DataProtectionOfficer!, d.Description, "Transfers outside the EU/EEA: to Insight Labs Inc. in US", "Art. 77", "Art. 15" })
        {
            Assert.Contains(item, html, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Analytics Cloud GmbH in DE", html, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> ChangedRecords() => new()
    {
        { "controller", "Andra Butiken AB" },
        { "retention", "90 days" },
        { "interest", "To staff the checkouts before queues form" },
        { "authority", "Datatilsynet, www.datatilsynet.no" },
        { "lane", "Use the right-hand door: no camera analyses it." },
        { "processor", "Nordic Stats Oy (FI" },
    };

    [Theory]
    [MemberData(nameof(ChangedRecords))]
    public void A_changed_record_changes_both_layers(string record, string expected)
    {
        var d = SamplePurposes.StoreAnalytics;
        var purpose = record switch
        {
            "controller" => Registered(d with { Controller = d.Controller with { Name = expected } }),
            "retention" => Registered(d with { Retention = RetentionPeriod.FromDays(90) }),
            "processor" => Registered(d with { Processors = [new Organisation("Nordic Stats Oy", "dpo@stats.example", "FI")] }),
            _ => Registered(),
        };
        var accountability = record switch
        {
            "interest" => Complete(purpose, lia: SampleAccountability.Lia(Id) with { Interest = expected }),
            "authority" => Complete(purpose, particulars: SampleAccountability.Particulars(Id) with { SupervisoryAuthority = expected }),
            "lane" => Complete(purpose, particulars: SampleAccountability.Particulars(Id) with { InStoreObjection = expected }),
            _ => Complete(purpose),
        };
        var before = Generate(Registered(), Complete());

        var after = Generate(purpose, accountability);

        Assert.DoesNotContain(expected, string.Join("\n", before.SignText), StringComparison.Ordinal);
        Assert.Contains(expected, string.Join("\n", after.SignText), StringComparison.Ordinal);
        Assert.Contains(expected, System.Net.WebUtility.HtmlDecode(after.SecondLayerHtml), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Unmet() => new()
    {
        { "no LIA", "Art. 6(1)(f)" },
        { "failed LIA", "failed" },
        { "no DPIA", "Art. 35" },
        { "high risk, no consultation", "Art. 36(1)" },
        { "consultation pending", "pending" },
        { "consultation refused", "refused" },
        { "processor not reviewed", "Art. 28(1)" },
        { "checklist incomplete", "incomplete" },
        { "no notice particulars", "Art. 13" },
        { "consent-based purpose", "Consent" },
    };

    [Theory]
    [MemberData(nameof(Unmet))]
    public void The_gate_refuses_the_notice_while_a_condition_is_unmet(string condition, string named)
    {
        var purpose = condition == "consent-based purpose" ? Registered(SamplePurposes.StoreAnalytics with { LawfulBasis = LawfulBasis.Consent }) : Registered();
        var complete = Complete(purpose);
        var accountability = condition switch
        {
            "no LIA" => Rebuild(purpose, complete, dropLia: true),
            "failed LIA" => Complete(purpose, lia: SampleAccountability.Lia(Id, LegitimateInterestsOutcome.Failed)),
            "no DPIA" => Rebuild(purpose, complete, dropDpia: true),
            "high risk, no consultation" => Rebuild(purpose, complete, dropConsultation: true),
            "consultation pending" => Complete(purpose, consultation: SampleAccountability.Consultation(Id, ConsultationOutcome.Pending)),
            "consultation refused" => Complete(purpose, consultation: SampleAccountability.Consultation(Id, ConsultationOutcome.Refused)),
            "processor not reviewed" => Complete(purpose, reviews: [SampleAccountability.Review(Id, "Analytics Cloud GmbH", complete: true)]),
            "checklist incomplete" => Complete(purpose, reviews: [SampleAccountability.Review(Id, "Analytics Cloud GmbH", complete: true), SampleAccountability.Review(Id, "Insight Labs Inc.", complete: false)]),
            "no notice particulars" => complete with { NoticeParticulars = null },
            _ => complete,
        };

        var refused = Assert.Throws<PublicationRefusedException>(() => Generate(purpose, accountability));

        Assert.Contains(refused.Blockers, b => b.Contains(named, StringComparison.Ordinal));
        Assert.Contains(named, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_complete_record_passes_the_gate_and_a_report_needs_no_notice_particulars()
    {
        var purpose = Registered();
        Assert.Empty(PublicationGate.Blockers(purpose, Complete(purpose), Publication.Notice));
        Assert.Empty(PublicationGate.Blockers(purpose, Complete(purpose) with { NoticeParticulars = null }, Publication.Report));
        Assert.NotEmpty(PublicationGate.Blockers(purpose, Rebuild(purpose, Complete(purpose), dropDpia: true), Publication.Report));

        // A low residual risk needs no consultation (Art. 36(1) applies to high risk only).
        var low = Rebuild(purpose, Complete(purpose, dpia: SampleAccountability.Dpia(Id, ResidualRisk.Low)), dropConsultation: true);
        Assert.Empty(PublicationGate.Blockers(purpose, low, Publication.Notice));
    }

    /// <summary>The summary rebuilt (so its gaps follow) with one document left out; the others as in <paramref name="from"/>.</summary>
    private static PurposeAccountability Rebuild(Purpose purpose, PurposeAccountability from, bool dropLia = false, bool dropDpia = false, bool dropConsultation = false) =>
        PurposeAccountability.Build(
            purpose,
            dropLia ? null : from.LegitimateInterests,
            dropDpia ? null : from.ImpactAssessment,
            dropConsultation ? null : from.PriorConsultation,
            from.ProcessorReviews,
            0) with
        { NoticeParticulars = from.NoticeParticulars };
}
