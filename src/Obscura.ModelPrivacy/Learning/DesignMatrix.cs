using Obscura.ModelPrivacy.Data;

namespace Obscura.ModelPrivacy.Learning;

/// <summary>
/// Turns chosen columns of a <see cref="TabularDataset"/> into model inputs, with statistics learnt from training rows
/// only: a numeric column becomes one standardised value (a missing value becomes the training mean, i.e. 0), a
/// nominal column one indicator per category (a missing value sets none). A leading 1 carries the intercept.
/// </summary>
public sealed class DesignMatrix
{
    private readonly TabularDataset _data;
    private readonly int[] _columns;
    private readonly double[] _means;
    private readonly double[] _scales;

    /// <summary>Learns the encoding of <paramref name="columns"/> from <paramref name="trainingRows"/>.</summary>
    public DesignMatrix(TabularDataset data, IReadOnlyList<int> columns, ReadOnlySpan<int> trainingRows)
    {
        _data = data ?? throw new ArgumentNullException(nameof(data));
        ArgumentNullException.ThrowIfNull(columns);
        _columns = [.. columns];
        _means = new double[_columns.Length];
        _scales = new double[_columns.Length];
        Width = 1;
        for (var j = 0; j < _columns.Length; j++)
        {
            var attribute = data.Attributes[_columns[j]];
            if (attribute.Kind == AttributeKind.Nominal)
            {
                Width += attribute.Categories.Count;
                continue;
            }

            var values = data.Numeric(_columns[j]);
            double sum = 0, squares = 0;
            var count = 0;
            foreach (var row in trainingRows)
            {
                var v = values[row];
                if (!double.IsNaN(v))
                {
                    sum += v;
                    squares += v * v;
                    count++;
                }
            }

            var mean = count == 0 ? 0 : sum / count;
            var variance = count == 0 ? 0 : Math.Max(0, (squares / count) - (mean * mean));
            _means[j] = mean;
            _scales[j] = variance > 1e-12 ? 1 / Math.Sqrt(variance) : 0;
            Width++;
        }
    }

    /// <summary>The number of inputs per row, the intercept included.</summary>
    public int Width { get; }

    /// <summary>Writes row <paramref name="row"/>'s inputs into <paramref name="destination"/> (length <see cref="Width"/>).</summary>
    public void Encode(int row, Span<double> destination) => Encode(row, destination, -1, -1);

    /// <summary>Row <paramref name="row"/>'s inputs with nominal column <paramref name="column"/> set to <paramref name="category"/> instead of its value.</summary>
    public void Encode(int row, Span<double> destination, int column, int category)
    {
        destination.Clear();
        destination[0] = 1;
        var at = 1;
        for (var j = 0; j < _columns.Length; j++)
        {
            var attribute = _data.Attributes[_columns[j]];
            if (attribute.Kind == AttributeKind.Nominal)
            {
                var value = _columns[j] == column ? category : _data.Nominal(_columns[j])[row];
                if (value >= 0)
                {
                    destination[at + value] = 1;
                }

                at += attribute.Categories.Count;
            }
            else
            {
                var v = _data.Numeric(_columns[j])[row];
                destination[at++] = double.IsNaN(v) ? 0 : (v - _means[j]) * _scales[j];
            }
        }
    }

    /// <summary>The inputs of several rows, one row of the result per row given.</summary>
    public double[][] Encode(ReadOnlySpan<int> rows)
    {
        var result = new double[rows.Length][];
        for (var i = 0; i < rows.Length; i++)
        {
            result[i] = new double[Width];
            Encode(rows[i], result[i]);
        }

        return result;
    }
}
