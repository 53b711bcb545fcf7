using Obscura.Governance.Assessments;
using Obscura.Governance.Purposes;

namespace Obscura.TestSupport;

/// <summary>Purposes drawn from the mission: identity verification, model training, store analytics.</summary>
public static class SamplePurposes
{
    public static Organisation Bank { get; } = new("Example Bank ASA", "privacy@bank.example", "NO");

    public static Organisation Vendor { get; } = new("Mobai AS", "dpo@vendor.example", "NO");

    public static PurposeDefinition IdentityVerification { get; } = new(
        PurposeId.Parse("identity-verification"),
        "Identity verification",
        "Verify a customer's identity from a selfie against the protected template made at onboarding.",
        LawfulBasis.Consent,
        SpecialCategoryCondition.ExplicitConsent,
        ["customers"],
        [DataCategory.Parse("face-image"), DataCategory.Parse("biometric-template")],
        [ProcessingPractice.BiometricVerification],
        Bank,
        [Vendor],
        RetentionPeriod.FromDays(365),
        []);

    public static PurposeDefinition ModelTraining { get; } = new(
        PurposeId.Parse("model-training"),
        "Model training",
        "Improve the face comparison model on a minimised subset of facial images.",
        LawfulBasis.LegitimateInterests,
        SpecialCategoryCondition.None,
        ["customers"],
        [DataCategory.Parse("face-image")],
        [ProcessingPractice.ModelTraining],
        Vendor,
        [],
        RetentionPeriod.FromDays(365),
        [PurposeId.Parse("identity-verification")]);

    public static PurposeDefinition StoreAnalytics { get; } = new(
        PurposeId.Parse("store-analytics"),
        "In-store visitor analytics",
        "Anonymous aggregates of visits, dwell time and queues per zone and time band.",
        LawfulBasis.LegitimateInterests,
        SpecialCategoryCondition.None,
        ["store-visitors"],
        [DataCategory.Parse("camera-image")],
        [ProcessingPractice.AggregateAnalytics],
        new Organisation("Example Retail AB", "privacy@retail.example", "SE"),
        [new Organisation("Analytics Cloud GmbH", "dpo@analytics.example", "DE"), new Organisation("Insight Labs Inc.", "privacy@insight.example", "US")],
        RetentionPeriod.FromDays(30),
        []);

    /// <summary>A compatible Art. 6(4) assessment of reusing identity-verification data for model training.</summary>
    public static CompatibilityAssessmentDraft TrainingReuseAssessment { get; } = new(
        IdentityVerification.Id,
        ModelTraining.Id,
        new AssessmentFactor(AssessmentFinding.Supports, "Training improves the same verification service the data was collected for."),
        new AssessmentFactor(AssessmentFinding.Neutral, "Customers expect the provider to maintain the model."),
        new AssessmentFactor(AssessmentFinding.Against, "Facial images carry a risk similar to biometric data."),
        new AssessmentFactor(AssessmentFinding.Neutral, "No decision about individuals results from training."),
        new AssessmentFactor(AssessmentFinding.Supports, "Encrypted storage, a 10% subset, 12-month retention."),
        CompatibilityOutcome.Compatible,
        "dpo");

    /// <summary>Markup a page must show as text: if it were rendered as HTML it would add an element and change the title.</summary>
    public const string HostileMarkup = "<img id=\"xss-probe\" src=\"x\" onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>";

    /// <summary>A valid purpose whose free-text fields (name, description, organisation names) are all <see cref="HostileMarkup"/>.</summary>
    public static PurposeDefinition HostileNames { get; } = StoreAnalytics with
    {
        Id = PurposeId.Parse("hostile-names"),
        Name = HostileMarkup,
        Description = HostileMarkup,
        Controller = new Organisation(HostileMarkup, "privacy@retail.example", "SE"),
        Processors = [],
    };
}
