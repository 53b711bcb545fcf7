using System.Globalization;
using System.Text;

namespace Obscura.ModelPrivacy.Data;

/// <summary>
/// Reads Weka's ARFF format (dense data): <c>@relation</c>, <c>@attribute NAME numeric|real|integer|{a, b, …}</c>,
/// <c>@data</c> and comma-separated rows with single- or double-quoted values, <c>?</c> for a missing value and
/// <c>%</c> comments. String, date and relational attributes and sparse rows are refused.
/// </summary>
public static class ArffReader
{
    /// <summary>Reads a file.</summary>
    /// <exception cref="InvalidDataException">The file is not ARFF this reader accepts; the message names the line.</exception>
    public static TabularDataset Read(string path)
    {
        using var reader = File.OpenText(path);
        return Read(reader);
    }

    /// <summary>Reads ARFF text.</summary>
    /// <exception cref="InvalidDataException">The text is not ARFF this reader accepts; the message names the line.</exception>
    public static TabularDataset Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var relation = "";
        var attributes = new List<TabularColumn>();
        var numeric = new List<List<double>>();
        var nominal = new List<List<int>>();
        var lookups = new List<Dictionary<string, int>>();
        var inData = false;
        var rows = 0;
        var lineNumber = 0;
        while (reader.ReadLine() is { } raw)
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '%')
            {
                continue;
            }

            if (!inData)
            {
                var keyword = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries)[0].ToLowerInvariant();
                switch (keyword)
                {
                    case "@relation":
                        relation = Unquote(line["@relation".Length..].Trim());
                        break;
                    case "@attribute":
                        var attribute = ParseAttribute(line["@attribute".Length..].Trim(), lineNumber);
                        if (attributes.Any(a => a.Name == attribute.Name))
                        {
                            throw new InvalidDataException($"Line {lineNumber}: attribute '{attribute.Name}' is declared twice.");
                        }

                        attributes.Add(attribute);
                        numeric.Add([]);
                        nominal.Add([]);
                        lookups.Add(attribute.Categories.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal));
                        break;
                    case "@data":
                        if (attributes.Count == 0)
                        {
                            throw new InvalidDataException($"Line {lineNumber}: @data before any @attribute.");
                        }

                        inData = true;
                        break;
                    default:
                        throw new InvalidDataException($"Line {lineNumber}: expected @relation, @attribute or @data, found '{Shorten(line)}'.");
                }

                continue;
            }

            if (line[0] == '{')
            {
                throw new InvalidDataException($"Line {lineNumber}: sparse ARFF rows are not supported.");
            }

            var cells = SplitRow(line, lineNumber);
            if (cells.Count != attributes.Count)
            {
                throw new InvalidDataException($"Line {lineNumber}: {cells.Count} values for {attributes.Count} attributes.");
            }

            for (var i = 0; i < cells.Count; i++)
            {
                var cell = cells[i];
                var missing = cell == "?";
                if (attributes[i].Kind == AttributeKind.Numeric)
                {
                    if (missing)
                    {
                        numeric[i].Add(double.NaN);
                    }
                    else if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
                    {
                        numeric[i].Add(value);
                    }
                    else
                    {
                        throw new InvalidDataException($"Line {lineNumber}: '{Shorten(cell)}' is not a number for numeric attribute '{attributes[i].Name}'.");
                    }
                }
                else if (missing)
                {
                    nominal[i].Add(-1);
                }
                else if (lookups[i].TryGetValue(cell, out var index))
                {
                    nominal[i].Add(index);
                }
                else
                {
                    throw new InvalidDataException($"Line {lineNumber}: '{Shorten(cell)}' is not a declared category of '{attributes[i].Name}'.");
                }
            }

            rows++;
        }

        if (!inData)
        {
            throw new InvalidDataException("No @data section: this is not an ARFF file.");
        }

        return new TabularDataset(
            relation,
            attributes,
            rows,
            [.. numeric.Select((c, i) => attributes[i].Kind == AttributeKind.Numeric ? c.ToArray() : [])],
            [.. nominal.Select((c, i) => attributes[i].Kind == AttributeKind.Nominal ? c.ToArray() : [])]);
    }

    private static TabularColumn ParseAttribute(string text, int lineNumber)
    {
        string name;
        string rest;
        if (text.Length > 0 && text[0] is '\'' or '"')
        {
            var end = text.IndexOf(text[0], 1);
            if (end < 0)
            {
                throw new InvalidDataException($"Line {lineNumber}: unterminated attribute name.");
            }

            name = text[1..end];
            rest = text[(end + 1)..].Trim();
        }
        else
        {
            var parts = text.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2)
            {
                throw new InvalidDataException($"Line {lineNumber}: an attribute needs a name and a type.");
            }

            name = parts[0];
            rest = parts[1].Trim();
        }

        if (rest.StartsWith('{'))
        {
            var close = rest.LastIndexOf('}');
            if (close < 0)
            {
                throw new InvalidDataException($"Line {lineNumber}: unterminated category list of '{name}'.");
            }

            var categories = SplitRow(rest[1..close], lineNumber);
            if (categories.Count == 0 || categories.Distinct(StringComparer.Ordinal).Count() != categories.Count)
            {
                throw new InvalidDataException($"Line {lineNumber}: the categories of '{name}' are empty or repeated.");
            }

            return new TabularColumn(name, AttributeKind.Nominal, categories);
        }

        return rest.ToLowerInvariant() switch
        {
            "numeric" or "real" or "integer" => new TabularColumn(name, AttributeKind.Numeric, []),
            _ => throw new InvalidDataException($"Line {lineNumber}: attribute '{name}' has type '{Shorten(rest)}'; only numeric, real, integer and nominal {{…}} attributes are supported."),
        };
    }

    /// <summary>Comma-separated values, each optionally quoted with ' or " (backslash escapes inside quotes).</summary>
    private static List<string> SplitRow(string line, int lineNumber)
    {
        var cells = new List<string>();
        var i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i]))
            {
                i++;
            }

            var cell = new StringBuilder();
            if (i < line.Length && line[i] is '\'' or '"')
            {
                var quote = line[i++];
                var closed = false;
                while (i < line.Length)
                {
                    var c = line[i++];
                    if (c == '\\' && i < line.Length)
                    {
                        cell.Append(line[i++]);
                    }
                    else if (c == quote)
                    {
                        closed = true;
                        break;
                    }
                    else
                    {
                        cell.Append(c);
                    }
                }

                if (!closed)
                {
                    throw new InvalidDataException($"Line {lineNumber}: unterminated quoted value.");
                }

                while (i < line.Length && char.IsWhiteSpace(line[i]))
                {
                    i++;
                }

                if (i < line.Length && line[i] != ',')
                {
                    throw new InvalidDataException($"Line {lineNumber}: text after a quoted value.");
                }
            }
            else
            {
                while (i < line.Length && line[i] != ',')
                {
                    cell.Append(line[i++]);
                }
            }

            cells.Add(cell.ToString().Trim());
            if (i < line.Length && line[i] == ',')
            {
                i++;
                if (i == line.Length)
                {
                    cells.Add("");
                }
            }
        }

        return cells;
    }

    private static string Unquote(string text) =>
        text.Length >= 2 && text[0] is '\'' or '"' && text[^1] == text[0] ? text[1..^1] : text;

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
