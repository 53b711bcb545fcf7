using System.Globalization;
using Obscura.Biometrics.Evaluation;

namespace Obscura.Biometrics.Templates;

/// <summary>
/// Reads embeddings produced by an external face-recognition model. Labelled CSV: one embedding a line,
/// <c>label,v1,v2,…,vd</c>, invariant-culture numbers, an optional header line whose first cell is <c>label</c>, blank
/// lines ignored. Every line must have the same dimension. Errors name the line.
/// </summary>
public static class EmbeddingFile
{
    /// <summary>Reads labelled embeddings.</summary>
    /// <exception cref="FormatException">A malformed line, with its number.</exception>
    public static IReadOnlyList<LabelledTemplate> ReadLabelledCsv(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var result = new List<LabelledTemplate>();
        var lineNumber = 0;
        int? dimension = null;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line) || (lineNumber == 1 && line.StartsWith("label,", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var cells = line.Split(',');
            var label = cells[0].Trim();
            if (label.Length == 0 || cells.Length < 2)
            {
                throw new FormatException($"Line {lineNumber}: expected label,v1,…,vd.");
            }

            var values = new float[cells.Length - 1];
            for (var i = 1; i < cells.Length; i++)
            {
                if (!float.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i - 1]))
                {
                    throw new FormatException($"Line {lineNumber}, value {i}: '{cells[i].Trim()}' is not a number.");
                }
            }

            if (dimension is { } d && d != values.Length)
            {
                throw new FormatException($"Line {lineNumber}: {values.Length} values, but earlier lines have {d}.");
            }

            dimension = values.Length;
            try
            {
                result.Add(new LabelledTemplate(label, FaceTemplate.FromEmbedding(values)));
            }
            catch (ArgumentException ex)
            {
                throw new FormatException($"Line {lineNumber}: {ex.Message}", ex);
            }
        }

        return result;
    }
}
