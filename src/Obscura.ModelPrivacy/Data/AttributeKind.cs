namespace Obscura.ModelPrivacy.Data;

/// <summary>What values a column holds.</summary>
public enum AttributeKind
{
    /// <summary>Real numbers.</summary>
    Numeric,

    /// <summary>One of a declared list of categories.</summary>
    Nominal,
}
