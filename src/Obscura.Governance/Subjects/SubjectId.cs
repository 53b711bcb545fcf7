using System.Security.Cryptography;
using Obscura.Governance.Internal;

namespace Obscura.Governance.Subjects;

/// <summary>
/// Pseudonymous identifier of a data subject. Obscura never needs a name: everything about a person is keyed by this
/// opaque value, which the controller maps to a real identity elsewhere (or not at all).
/// </summary>
/// <remarks>Valid ids are 1–64 characters of ASCII letters, digits and <c>._:/@-</c>, starting with a letter or digit.</remarks>
public readonly record struct SubjectId
{
    /// <summary>Maximum length of an id, in characters.</summary>
    public const int MaxLength = 64;

    private SubjectId(string value) => Value = value;

    /// <summary>The id as text.</summary>
    public string Value { get; }

    /// <summary>Creates a fresh random id, <c>sub_</c> followed by 128 random bits in lower-case base32.</summary>
    public static SubjectId New()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return new SubjectId("sub_" + Base32.Encode(bytes));
    }

    /// <summary>Parses an id.</summary>
    /// <exception cref="ArgumentException">The text is not a valid subject id.</exception>
    public static SubjectId Parse(string value) =>
        TryParse(value, out var id) ? id : ThrowHelper.Argument<SubjectId>(nameof(value), $"A subject id is 1-{MaxLength} characters of letters, digits and ._:/@- starting with a letter or digit.");

    /// <summary>Parses an id, returning <see langword="false"/> when the text is not valid.</summary>
    public static bool TryParse(string? value, out SubjectId id)
    {
        if (Token.IsIdentifier(value, MaxLength))
        {
            id = new SubjectId(value!);
            return true;
        }

        id = default;
        return false;
    }

    /// <inheritdoc />
    public override string ToString() => Value ?? string.Empty;
}
