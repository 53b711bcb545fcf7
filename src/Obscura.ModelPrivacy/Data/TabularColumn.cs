namespace Obscura.ModelPrivacy.Data;

/// <summary>One column of a <see cref="TabularDataset"/>.</summary>
/// <param name="Name">The column's name, as the file declares it.</param>
/// <param name="Kind">Numeric or nominal.</param>
/// <param name="Categories">For a nominal column, its categories in declaration order; empty for a numeric one.</param>
public sealed record TabularColumn(string Name, AttributeKind Kind, IReadOnlyList<string> Categories);
