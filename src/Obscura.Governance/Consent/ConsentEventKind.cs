namespace Obscura.Governance.Consent;

/// <summary>What a consent event records.</summary>
public enum ConsentEventKind
{
    /// <summary>The subject gave consent.</summary>
    Given = 1,

    /// <summary>The subject withdrew consent (Art. 7(3)); effective immediately.</summary>
    Withdrawn,
}
