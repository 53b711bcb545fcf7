using System.Diagnostics.CodeAnalysis;

namespace Obscura.Governance;

/// <summary>The result of a governance operation: a value, or the <see cref="GovernanceError"/> that stopped it.</summary>
/// <typeparam name="T">The value type.</typeparam>
public readonly record struct Outcome<T>
{
    private Outcome(T? value, GovernanceError? error)
    {
        Value = value;
        Error = error;
    }

    /// <summary>The value, when the operation succeeded.</summary>
    public T? Value { get; }

    /// <summary>The reason, when it did not.</summary>
    public GovernanceError? Error { get; }

    /// <summary>Whether the operation succeeded.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    /// <summary>A successful outcome.</summary>
    public static Outcome<T> Success(T value) => new(value, null);

    /// <summary>A failed outcome.</summary>
    public static Outcome<T> Failure(GovernanceError error) => new(default, error ?? throw new ArgumentNullException(nameof(error)));

#pragma warning disable CA2225 // Named alternates exist: Success / Failure.
    /// <summary>Wraps a value.</summary>
    public static implicit operator Outcome<T>(T value) => Success(value);

    /// <summary>Wraps an error.</summary>
    public static implicit operator Outcome<T>(GovernanceError error) => Failure(error);
#pragma warning restore CA2225
}
