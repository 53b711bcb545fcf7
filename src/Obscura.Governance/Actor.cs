using Obscura.Governance.Internal;

namespace Obscura.Governance;

/// <summary>
/// The authenticated principal an operation is done by, as written to the audit ledger, for example
/// <c>apikey:ops-1</c> or <c>cli:local</c>. A token of 1–128 letters, digits and <c>._:/@-</c>.
/// </summary>
public readonly record struct Actor
{
    private Actor(string value) => Value = value;

    /// <summary>The actor as text.</summary>
    public string Value { get; }

    /// <summary>Parses an actor.</summary>
    /// <exception cref="ArgumentException">Not a valid token.</exception>
    public static Actor Parse(string value) =>
        Token.IsIdentifier(value, 128) ? new Actor(value) : ThrowHelper.Argument<Actor>(nameof(value), "An actor is a token of 1-128 letters, digits and ._:/@-.");

    /// <inheritdoc />
    public override string ToString() => Value ?? string.Empty;
}
