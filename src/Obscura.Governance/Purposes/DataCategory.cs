using System.Collections.Frozen;
using Obscura.Governance.Internal;

namespace Obscura.Governance.Purposes;

/// <summary>
/// A category of personal data (a lower-case slug such as <c>face-image</c>, <c>biometric-template</c>,
/// <c>consent-record</c>). Categories named in <see cref="SpecialCategories"/> are special categories under GDPR Art. 9
/// (or criminal-offence data under Art. 10) and need an Art. 9 condition on every purpose that processes them.
/// </summary>
public readonly record struct DataCategory
{
    /// <summary>Maximum length of a category, in characters.</summary>
    public const int MaxLength = 64;

    /// <summary>Categories that GDPR Art. 9(1) and Art. 10 treat as special.</summary>
    public static readonly FrozenSet<string> SpecialCategories = new[]
    {
        "biometric-template", "biometric", "genetic", "health", "racial-or-ethnic-origin", "political-opinions",
        "religious-or-philosophical-beliefs", "trade-union-membership", "sex-life", "sexual-orientation", "criminal-offences",
    }.ToFrozenSet(StringComparer.Ordinal);

    private DataCategory(string value) => Value = value;

    /// <summary>The category as text.</summary>
    public string Value { get; }

    /// <summary>Whether GDPR Art. 9 or Art. 10 applies to this category.</summary>
    public bool IsSpecialCategory => Value is not null && SpecialCategories.Contains(Value);

    /// <summary>Parses a category.</summary>
    /// <exception cref="ArgumentException">The text is not a valid category slug.</exception>
    public static DataCategory Parse(string value) =>
        TryParse(value, out var c) ? c : ThrowHelper.Argument<DataCategory>(nameof(value), $"A data category is a lower-case slug of 2-{MaxLength} characters [a-z0-9-], for example 'face-image'.");

    /// <summary>Parses a category, returning <see langword="false"/> when the text is not valid.</summary>
    public static bool TryParse(string? value, out DataCategory category)
    {
        if (Token.IsSlug(value, 2, MaxLength))
        {
            category = new DataCategory(value!);
            return true;
        }

        category = default;
        return false;
    }

    /// <inheritdoc />
    public override string ToString() => Value ?? string.Empty;
}
