using Obscura.Governance.Assessments;
using Obscura.Governance.Consent;
using Obscura.Governance.Ledger;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;
using Obscura.TestSupport;

namespace Obscura.Governance.Tests;

public sealed class GovernanceServiceTests : IDisposable
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly PurposeId Verification = SamplePurposes.IdentityVerification.Id;
    private static readonly PurposeId Training = SamplePurposes.ModelTraining.Id;
    private readonly GovernanceFixture _f = new();

    private GovernanceService Svc => _f.Governance;

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task Consent_lifecycle_allows_processing_only_while_consent_is_live()
    {
        var subject = await RegisterAsync();
        await RegisterPurposeAsync(SamplePurposes.IdentityVerification);

        Assert.Equal([DenialReason.ConsentMissing], (await Svc.AuthorizeAsync(subject, Verification, null, Ct)).Reasons);

        var given = await Svc.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(subject, Verification, "notice-v3", true, "mobile-app"), Ct);
        Assert.True(given.Succeeded);
        Assert.True(given.Value.ConsentGiven);
        Assert.Equal("notice-v3", given.Value.NoticeVersion);
        Assert.True((await Svc.AuthorizeAsync(subject, Verification, null, Ct)).Allowed);

        _f.Clock.Advance(TimeSpan.FromDays(3));
        var withdrawn = await Svc.WithdrawConsentAsync(GovernanceFixture.Admin, subject, Verification, Ct);
        Assert.True(withdrawn.Succeeded);
        Assert.False(withdrawn.Value.ConsentGiven);
        Assert.Equal(_f.Clock.GetUtcNow(), withdrawn.Value.WithdrawnAt);
        Assert.Equal([DenialReason.ConsentWithdrawn], (await Svc.AuthorizeAsync(subject, Verification, null, Ct)).Reasons);

        var again = await Svc.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(subject, Verification, "notice-v4", true, "web"), Ct);
        Assert.True(again.Value!.ConsentGiven);
        Assert.True((await Svc.AuthorizeAsync(subject, Verification, null, Ct)).Allowed);
    }

    [Fact]
    public async Task Consent_given_and_withdrawn_within_one_millisecond_ends_withdrawn()
    {
        var subject = await RegisterAsync();
        await RegisterPurposeAsync(SamplePurposes.IdentityVerification);
        for (var i = 0; i < 5; i++)
        {
            await Svc.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(subject, Verification, "n1", true, "app"), Ct);
            await Svc.WithdrawConsentAsync(GovernanceFixture.Admin, subject, Verification, Ct);
        }

        Assert.False((await Svc.AuthorizeAsync(subject, Verification, null, Ct)).Allowed);
    }

    [Fact]
    public async Task Biometric_purpose_accepts_only_explicit_consent()
    {
        var subject = await RegisterAsync();
        await RegisterPurposeAsync(SamplePurposes.IdentityVerification);
        var outcome = await Svc.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(subject, Verification, "n1", false, "app"), Ct);
        Assert.Equal(GovernanceErrorKind.Invalid, outcome.Error!.Kind);
        Assert.Equal("explicit", outcome.Error.Field);
    }

    [Fact]
    public async Task Consent_cannot_be_recorded_for_a_purpose_that_does_not_rely_on_it()
    {
        var subject = await RegisterAsync();
        await RegisterPurposeAsync(SamplePurposes.StoreAnalytics);
        var outcome = await Svc.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(subject, SamplePurposes.StoreAnalytics.Id, "n1", true, "app"), Ct);
        Assert.Equal(GovernanceErrorKind.NotApplicable, outcome.Error!.Kind);
    }

    [Fact]
    public async Task Withdrawing_consent_that_was_never_given_is_not_applicable()
    {
        var subject = await RegisterAsync();
        await RegisterPurposeAsync(SamplePurposes.IdentityVerification);
        Assert.Equal(GovernanceErrorKind.NotApplicable, (await Svc.WithdrawConsentAsync(GovernanceFixture.Admin, subject, Verification, Ct)).Error!.Kind);
    }

    [Fact]
    public async Task Consent_for_unknown_subject_or_purpose_is_not_found()
    {
        var subject = await RegisterAsync();
        var noPurpose = await Svc.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(subject, Verification, "n1", true, "app"), Ct);
        Assert.Equal(GovernanceErrorKind.NotFound, noPurpose.Error!.Kind);
        await RegisterPurposeAsync(SamplePurposes.IdentityVerification);
        var noSubject = await Svc.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(SubjectId.Parse("nobody"), Verification, "n1", true, "app"), Ct);
        Assert.Equal(GovernanceErrorKind.NotFound, noSubject.Error!.Kind);
        Assert.Equal([DenialReason.SubjectUnknown], (await Svc.AuthorizeAsync(SubjectId.Parse("nobody"), Verification, null, Ct)).Reasons);
    }

    [Fact]
    public async Task Objection_blocks_legitimate_interest_processing_immediately_until_lifted()
    {
        var subject = await RegisterAsync();
        await RegisterPurposeAsync(SamplePurposes.StoreAnalytics);
        var analytics = SamplePurposes.StoreAnalytics.Id;
        Assert.True((await Svc.AuthorizeAsync(subject, analytics, null, Ct)).Allowed);

        var objected = await Svc.ObjectAsync(GovernanceFixture.Admin, subject, analytics, Ct);
        Assert.True(objected.Value!.Objected);
        Assert.Equal([DenialReason.Objected], (await Svc.AuthorizeAsync(subject, analytics, null, Ct)).Reasons);
        Assert.Equal(GovernanceErrorKind.NotApplicable, (await Svc.ObjectAsync(GovernanceFixture.Admin, subject, analytics, Ct)).Error!.Kind);

        Assert.False((await Svc.LiftObjectionAsync(GovernanceFixture.Admin, subject, analytics, Ct)).Value!.Objected);
        Assert.True((await Svc.AuthorizeAsync(subject, analytics, null, Ct)).Allowed);
    }

    [Fact]
    public async Task Objecting_to_a_consent_based_purpose_points_to_withdrawal()
    {
        var subject = await RegisterAsync();
        await RegisterPurposeAsync(SamplePurposes.IdentityVerification);
        var outcome = await Svc.ObjectAsync(GovernanceFixture.Admin, subject, Verification, Ct);
        Assert.Equal(GovernanceErrorKind.NotApplicable, outcome.Error!.Kind);
        Assert.Contains("withdraws consent", outcome.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reuse_for_training_requires_a_passed_compatibility_assessment()
    {
        var subject = await RegisterAsync();
        await RegisterPurposeAsync(SamplePurposes.IdentityVerification);
        await RegisterPurposeAsync(SamplePurposes.ModelTraining);

        Assert.Equal([DenialReason.ReuseNotAssessed], (await Svc.AuthorizeAsync(subject, Training, Verification, Ct)).Reasons);

        Assert.True((await Svc.RecordAssessmentAsync(GovernanceFixture.Admin, Assessment(CompatibilityOutcome.Incompatible, AssessmentFinding.Neutral), Ct)).Succeeded);
        Assert.Equal([DenialReason.ReuseIncompatible], (await Svc.AuthorizeAsync(subject, Training, Verification, Ct)).Reasons);

        _f.Clock.Advance(TimeSpan.FromDays(30));
        Assert.True((await Svc.RecordAssessmentAsync(GovernanceFixture.Admin, Assessment(CompatibilityOutcome.Compatible, AssessmentFinding.Supports), Ct)).Succeeded);
        var decision = await Svc.AuthorizeAsync(subject, Training, Verification, Ct);
        Assert.True(decision.Allowed);
        Assert.Equal(Verification, decision.CollectedFor);

        // Data collected for the training purpose itself needs no assessment.
        Assert.True((await Svc.AuthorizeAsync(subject, Training, Training, Ct)).Allowed);
    }

    [Fact]
    public async Task Reuse_from_a_purpose_not_declared_is_denied()
    {
        var subject = await RegisterAsync();
        await RegisterPurposeAsync(SamplePurposes.StoreAnalytics);
        await RegisterPurposeAsync(SamplePurposes.IdentityVerification);
        await RegisterPurposeAsync(SamplePurposes.ModelTraining);
        Assert.Equal([DenialReason.ReuseNotDeclared], (await Svc.AuthorizeAsync(subject, Training, SamplePurposes.StoreAnalytics.Id, Ct)).Reasons);
    }

    [Fact]
    public async Task Reuse_cannot_be_found_compatible_without_adequate_safeguards()
    {
        await RegisterPurposeAsync(SamplePurposes.IdentityVerification);
        await RegisterPurposeAsync(SamplePurposes.ModelTraining);
        var outcome = await Svc.RecordAssessmentAsync(GovernanceFixture.Admin, Assessment(CompatibilityOutcome.Compatible, AssessmentFinding.Against), Ct);
        Assert.Equal(GovernanceErrorKind.Invalid, outcome.Error!.Kind);
        Assert.Equal("outcome", outcome.Error.Field);
    }

    [Fact]
    public async Task Assessment_needs_a_rationale_for_every_factor()
    {
        await RegisterPurposeAsync(SamplePurposes.IdentityVerification);
        await RegisterPurposeAsync(SamplePurposes.ModelTraining);
        var draft = Assessment(CompatibilityOutcome.Compatible, AssessmentFinding.Supports) with { Consequences = new AssessmentFactor(AssessmentFinding.Neutral, " ") };
        var outcome = await Svc.RecordAssessmentAsync(GovernanceFixture.Admin, draft, Ct);
        Assert.Equal("consequences.rationale", outcome.Error!.Field);
    }

    [Theory]
    [InlineData(ProcessingPractice.BiometricCategorisationOfSensitiveTraits, "5(1)(g)")]
    [InlineData(ProcessingPractice.UntargetedFacialImageScraping, "5(1)(e)")]
    [InlineData(ProcessingPractice.EmotionRecognitionAtWorkOrEducation, "5(1)(f)")]
    [InlineData(ProcessingPractice.SocialScoring, "5(1)(c)")]
    [InlineData(ProcessingPractice.CriminalRiskPredictionByProfiling, "5(1)(d)")]
    public async Task Prohibited_purposes_are_refused_whatever_the_basis(ProcessingPractice practice, string article)
    {
        var definition = SamplePurposes.IdentityVerification with { Id = PurposeId.Parse("forbidden"), Practices = [ProcessingPractice.BiometricVerification, practice] };
        var outcome = await Svc.RegisterPurposeAsync(GovernanceFixture.Admin, definition, Ct);
        Assert.Equal(GovernanceErrorKind.Refused, outcome.Error!.Kind);
        Assert.Contains(article, outcome.Error.Citation, StringComparison.Ordinal);
        Assert.Null(await Svc.GetPurposeAsync(definition.Id, Ct));
    }

    [Fact]
    public async Task Special_category_data_needs_an_article_9_condition()
    {
        var definition = SamplePurposes.IdentityVerification with { SpecialCategoryCondition = SpecialCategoryCondition.None };
        var outcome = await Svc.RegisterPurposeAsync(GovernanceFixture.Admin, definition, Ct);
        Assert.Equal("specialCategoryCondition", outcome.Error!.Field);
    }

    [Fact]
    public async Task Purposes_are_immutable_and_reuse_must_name_registered_purposes()
    {
        await RegisterPurposeAsync(SamplePurposes.IdentityVerification);
        Assert.Equal(GovernanceErrorKind.Conflict, (await Svc.RegisterPurposeAsync(GovernanceFixture.Admin, SamplePurposes.IdentityVerification, Ct)).Error!.Kind);
        var orphan = SamplePurposes.ModelTraining with { ReusesDataFrom = [PurposeId.Parse("not-there")] };
        Assert.Equal("reusesDataFrom", (await Svc.RegisterPurposeAsync(GovernanceFixture.Admin, orphan, Ct)).Error!.Field);
    }

    [Fact]
    public async Task Every_change_to_personal_data_is_in_the_ledger_and_the_ledger_verifies()
    {
        var subject = await RegisterAsync();
        await RegisterPurposeAsync(SamplePurposes.IdentityVerification);
        await RegisterPurposeAsync(SamplePurposes.StoreAnalytics);
        await Svc.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(subject, Verification, "n1", true, "app"), Ct);
        await Svc.WithdrawConsentAsync(GovernanceFixture.Admin, subject, Verification, Ct);
        await Svc.ObjectAsync(GovernanceFixture.Admin, subject, SamplePurposes.StoreAnalytics.Id, Ct);
        await Svc.GetConsentStatusAsync(GovernanceFixture.Admin, subject, Ct);

        var entries = (await _f.LedgerService.GetEntriesAsync(0, 100, Ct)).Value!;
        Assert.Equal(
            [
                (AuditAction.Create, "subject-record", (PurposeId?)null),
                (AuditAction.Create, "purpose-record", Verification),
                (AuditAction.Create, "purpose-record", SamplePurposes.StoreAnalytics.Id),
                (AuditAction.Create, "consent-record", Verification),
                (AuditAction.Create, "consent-record", Verification),
                (AuditAction.Create, "objection-record", SamplePurposes.StoreAnalytics.Id),
            ],
            entries.Select(e => (e.Event.Action, e.Event.DataCategory.Value, e.Event.Purpose)).ToList());
        Assert.All(entries.Where(e => e.Event.DataCategory.Value != "purpose-record"), e => Assert.Equal(subject, e.Event.Subject));
        Assert.All(entries, e => Assert.Equal("test:admin", e.Event.Actor));
        Assert.All(entries, e => Assert.NotNull(e.Event.Commitment));

        // The read went to the access log, not to a ledger entry of its own.
        var read = Assert.Single((await _f.LedgerService.GetSubjectAccessesAsync(GovernanceFixture.Admin, subject, 0, 100, Ct)).Value!);
        Assert.Equal((AuditAction.Read, "consent-record", "test:admin"), (read.Event.Action, read.Event.DataCategory.Value, read.Event.Actor));

        var report = await _f.LedgerService.VerifyAsync(null, null, Ct);
        Assert.True(report.Intact, string.Join("; ", report.Problems.Select(p => p.Message)));
        Assert.Equal(6, report.EntryCount);
    }

    [Fact]
    public async Task Refused_and_invalid_operations_write_nothing_to_the_ledger()
    {
        var subject = await RegisterAsync();
        await RegisterPurposeAsync(SamplePurposes.IdentityVerification);
        Assert.Equal(2, (await _f.LedgerService.GetLatestHeadAsync(Ct))!.TreeSize);
        await Svc.GiveConsentAsync(GovernanceFixture.Admin, new ConsentGrant(subject, Verification, "n1", false, "app"), Ct);
        await Svc.WithdrawConsentAsync(GovernanceFixture.Admin, subject, Verification, Ct);
        Assert.Equal(2, (await _f.LedgerService.GetLatestHeadAsync(Ct))!.TreeSize);
    }

    [Fact]
    public async Task Records_of_processing_list_bases_recipients_transfers_and_reuse()
    {
        await RegisterPurposeAsync(SamplePurposes.IdentityVerification);
        await RegisterPurposeAsync(SamplePurposes.ModelTraining);
        await RegisterPurposeAsync(SamplePurposes.StoreAnalytics);
        await Svc.RecordAssessmentAsync(GovernanceFixture.Admin, Assessment(CompatibilityOutcome.Compatible, AssessmentFinding.Supports), Ct);

        var records = await Svc.GetRecordsOfProcessingAsync(Ct);
        Assert.Equal(["Example Bank ASA", "Example Retail AB", "Mobai AS"], records.Controllers.Select(c => c.Controller.Name));
        var analytics = records.Controllers.Single(c => c.Controller.Country == "SE").Activities.Single();
        Assert.Equal(["Insight Labs Inc."], analytics.ThirdCountryTransfers.Select(o => o.Name));
        Assert.Equal("GDPR Art. 6(1)(f)", analytics.LawfulBasisProvision);
        var verification = records.Controllers.Single(c => c.Controller.Name == "Example Bank ASA").Activities.Single();
        Assert.Equal("GDPR Art. 9(2)(a)", verification.SpecialCategoryProvision);
        var training = records.Controllers.Single(c => c.Controller.Name == "Mobai AS").Activities.Single();
        Assert.Equal(CompatibilityOutcome.Compatible, training.Reuses.Single().Outcome);

        var markdown = Records.RecordsMarkdown.Render(records);
        Assert.Contains("| Transfers to third countries | Insight Labs Inc. (US) |", markdown, StringComparison.Ordinal);
        Assert.Contains("biometric-template (special)", markdown, StringComparison.Ordinal);
        Assert.Contains("from `identity-verification`: Compatible", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subject_index_read_is_itself_recorded()
    {
        var subject = await RegisterAsync();
        var auditor = Actor.Parse("apikey:dpo");
        var entries = (await _f.LedgerService.GetSubjectEntriesAsync(auditor, subject, 0, 100, Ct)).Value!;
        Assert.Single(entries);
        var reads = (await _f.LedgerService.GetSubjectAccessesAsync(auditor, subject, 0, 100, Ct)).Value!;
        Assert.Equal((AuditAction.Read, "audit-record", "apikey:dpo"), (reads[0].Event.Action, reads[0].Event.DataCategory.Value, reads[0].Event.Actor));
        Assert.Equal("db:ledger", reads[0].Event.From);
    }

    private static CompatibilityAssessmentDraft Assessment(CompatibilityOutcome outcome, AssessmentFinding safeguards) => new(
        Verification,
        Training,
        new AssessmentFactor(AssessmentFinding.Supports, "Training improves the same verification service the data was collected for."),
        new AssessmentFactor(AssessmentFinding.Neutral, "Customers expect the provider to maintain the model."),
        new AssessmentFactor(AssessmentFinding.Against, "Facial images carry a risk similar to biometric data."),
        new AssessmentFactor(AssessmentFinding.Neutral, "No decision about individuals results from training."),
        new AssessmentFactor(safeguards, "Encrypted storage, a 10% subset, 12-month retention."),
        outcome,
        "dpo");

    private async Task<SubjectId> RegisterAsync() => (await Svc.RegisterSubjectAsync(GovernanceFixture.Admin, null, Ct)).Value!.Id;

    private async Task RegisterPurposeAsync(PurposeDefinition definition)
    {
        var outcome = await Svc.RegisterPurposeAsync(GovernanceFixture.Admin, definition, Ct);
        Assert.True(outcome.Succeeded, outcome.Error?.Message);
    }
}
