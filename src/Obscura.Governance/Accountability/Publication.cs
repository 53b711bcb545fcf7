namespace Obscura.Governance.Accountability;

/// <summary>What <see cref="PublicationGate"/> is asked to let out.</summary>
public enum Publication
{
    /// <summary>The layered notice (first-layer sign and second-layer page).</summary>
    Notice = 1,

    /// <summary>A report of the aggregates.</summary>
    Report,
}
