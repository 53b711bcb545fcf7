using Obscura.Governance.Purposes;

namespace Obscura.Governance.Accountability;

/// <summary>A data protection impact assessment (Art. 35), as the controller completed it.</summary>
/// <param name="Purpose">The purpose assessed.</param>
/// <param name="CompletedOn">When it was completed.</param>
/// <param name="Description">The processing and its purposes (Art. 35(7)(a)), 1–4000 characters.</param>
/// <param name="Risks">At least one risk with its measures and residual risk.</param>
/// <param name="DpoAdvice">The data protection officer's advice (Art. 35(2)), 1–2000 characters.</param>
/// <param name="Assessor">Who assessed (role or office id).</param>
public sealed record ImpactAssessment(PurposeId Purpose, DateOnly CompletedOn, string Description, IReadOnlyList<RiskTreatment> Risks, string DpoAdvice, string Assessor)
{
    /// <summary>Whether a risk remains high after the measures, so the authority must be consulted first (Art. 36(1)).</summary>
    public bool NeedsPriorConsultation => Risks.Any(r => r.Residual == ResidualRisk.High);
}
