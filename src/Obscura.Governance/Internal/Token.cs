namespace Obscura.Governance.Internal;

/// <summary>
/// Validation of the short machine tokens (identifiers, categories, locations) that Obscura stores and writes to the
/// audit ledger. Restricting them to a narrow alphabet keeps free text — and therefore personal data — out of places
/// that must never hold it.
/// </summary>
internal static class Token
{
    /// <summary>Lower-case slug: <c>[a-z0-9]</c> first, then <c>[a-z0-9-]</c>.</summary>
    public static bool IsSlug(string? value, int minLength, int maxLength)
    {
        if (value is null || value.Length < minLength || value.Length > maxLength)
        {
            return false;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var ok = c is >= 'a' and <= 'z' or >= '0' and <= '9' || (c == '-' && i > 0);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Opaque machine identifier: ASCII letters, digits and <c>._:/@-</c>; must start with a letter or digit.</summary>
    public static bool IsIdentifier(string? value, int maxLength)
    {
        if (string.IsNullOrEmpty(value) || value.Length > maxLength)
        {
            return false;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var ok = char.IsAsciiLetterOrDigit(c) || (i > 0 && c is '.' or '_' or ':' or '/' or '@' or '-');
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
