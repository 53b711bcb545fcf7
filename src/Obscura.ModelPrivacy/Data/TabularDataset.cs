namespace Obscura.ModelPrivacy.Data;

/// <summary>
/// A table of records: numeric columns as doubles (NaN where missing), nominal columns as category indices (−1 where
/// missing), stored column by column.
/// </summary>
public sealed class TabularDataset
{
    private readonly double[][] _numeric;
    private readonly int[][] _nominal;

    /// <summary>Creates a dataset; every column has <paramref name="rowCount"/> values.</summary>
    /// <exception cref="ArgumentException">The columns do not match the attributes or the row count.</exception>
    public TabularDataset(string name, IReadOnlyList<TabularColumn> attributes, int rowCount, double[][] numeric, int[][] nominal)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        ArgumentNullException.ThrowIfNull(numeric);
        ArgumentNullException.ThrowIfNull(nominal);
        if (numeric.Length != attributes.Count || nominal.Length != attributes.Count)
        {
            throw new ArgumentException("One column per attribute.", nameof(attributes));
        }

        for (var i = 0; i < attributes.Count; i++)
        {
            var column = attributes[i].Kind == AttributeKind.Numeric ? numeric[i]?.Length : nominal[i]?.Length;
            if (column != rowCount)
            {
                throw new ArgumentException($"Column '{attributes[i].Name}' does not have {rowCount} values.", nameof(attributes));
            }
        }

        Name = name;
        Attributes = attributes;
        RowCount = rowCount;
        _numeric = numeric;
        _nominal = nominal;
    }

    /// <summary>The dataset's name (ARFF's <c>@relation</c>).</summary>
    public string Name { get; }

    /// <summary>The columns.</summary>
    public IReadOnlyList<TabularColumn> Attributes { get; }

    /// <summary>The number of records.</summary>
    public int RowCount { get; }

    /// <summary>The index of the column named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No column has that name.</exception>
    public int IndexOf(string name)
    {
        for (var i = 0; i < Attributes.Count; i++)
        {
            if (Attributes[i].Name == name)
            {
                return i;
            }
        }

        throw new ArgumentException($"The dataset has no column '{name}'; its columns are {string.Join(", ", Attributes.Select(a => a.Name))}.", nameof(name));
    }

    /// <summary>A numeric column's values (NaN where missing).</summary>
    public ReadOnlySpan<double> Numeric(int column) =>
        Attributes[column].Kind == AttributeKind.Numeric ? _numeric[column] : throw new InvalidOperationException($"'{Attributes[column].Name}' is not numeric.");

    /// <summary>A nominal column's category indices (−1 where missing).</summary>
    public ReadOnlySpan<int> Nominal(int column) =>
        Attributes[column].Kind == AttributeKind.Nominal ? _nominal[column] : throw new InvalidOperationException($"'{Attributes[column].Name}' is not nominal.");
}
