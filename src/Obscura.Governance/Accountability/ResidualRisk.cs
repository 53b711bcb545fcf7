namespace Obscura.Governance.Accountability;

/// <summary>The risk to the data subjects that remains after the measures of a DPIA.</summary>
public enum ResidualRisk
{
    /// <summary>Low.</summary>
    Low = 1,

    /// <summary>Medium.</summary>
    Medium,

    /// <summary>High: the controller must consult the supervisory authority before processing (Art. 36(1)).</summary>
    High,
}
