using Obscura.Governance.Internal;

namespace Obscura.Governance.Purposes;

/// <summary>
/// Identifier of a processing purpose, a lower-case slug such as <c>identity-verification</c>, <c>model-training</c> or
/// <c>store-analytics</c> (3–64 characters of <c>[a-z0-9-]</c>, starting with a letter or digit).
/// </summary>
public readonly record struct PurposeId
{
    /// <summary>Maximum length of an id, in characters.</summary>
    public const int MaxLength = 64;

    private PurposeId(string value) => Value = value;

    /// <summary>The id as text.</summary>
    public string Value { get; }

    /// <summary>Parses an id.</summary>
    /// <exception cref="ArgumentException">The text is not a valid purpose id.</exception>
    public static PurposeId Parse(string value) =>
        TryParse(value, out var id) ? id : ThrowHelper.Argument<PurposeId>(nameof(value), $"A purpose id is a lower-case slug of 3-{MaxLength} characters [a-z0-9-], for example 'model-training'.");

    /// <summary>Parses an id, returning <see langword="false"/> when the text is not valid.</summary>
    public static bool TryParse(string? value, out PurposeId id)
    {
        if (Token.IsSlug(value, 3, MaxLength))
        {
            id = new PurposeId(value!);
            return true;
        }

        id = default;
        return false;
    }

    /// <inheritdoc />
    public override string ToString() => Value ?? string.Empty;
}
