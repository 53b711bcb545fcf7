namespace Obscura.Governance.Accountability;

/// <summary>One risk a DPIA identified, the measures taken against it and what remains (Art. 35(7)(c), (d)).</summary>
/// <param name="Risk">The risk (1–2000 characters).</param>
/// <param name="Measures">The measures (1–2000 characters).</param>
/// <param name="Residual">The risk that remains.</param>
public sealed record RiskTreatment(string Risk, string Measures, ResidualRisk Residual);
