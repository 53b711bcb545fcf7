namespace Obscura.Governance.Internal;

/// <summary>Validation of the free texts governance documents hold (answers, reasons, rationales).</summary>
internal static class Text
{
    /// <summary>
    /// Null when <paramref name="value"/> is acceptable: at most <paramref name="maxLength"/> characters, no control
    /// characters but line breaks and tabs, and not blank when <paramref name="required"/>.
    /// </summary>
    public static GovernanceError? Check(string field, string? value, int maxLength, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return required ? GovernanceError.Invalid(field, $"A text of 1-{maxLength} characters is required.") : null;
        }

        if (value.Length > maxLength)
        {
            return GovernanceError.Invalid(field, $"At most {maxLength} characters.");
        }

        foreach (var c in value)
        {
            if (char.IsControl(c) && c is not ('\n' or '\r' or '\t'))
            {
                return GovernanceError.Invalid(field, "Control characters other than line breaks and tabs are not accepted.");
            }
        }

        return null;
    }
}
