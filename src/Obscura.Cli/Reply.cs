using Obscura.Governance;

namespace Obscura.Cli;

/// <summary>What an operation produced: a value to print as JSON, raw text, or the error that stopped it (and its exit code).</summary>
internal readonly record struct Reply(object? Value, GovernanceError? Error, string? Text = null, int SuccessCode = ExitCodes.Success, int ErrorCode = ExitCodes.Refused)
{
    public static Reply Of(object? value, int successCode = ExitCodes.Success) => new(value, null, null, successCode);

    public static Reply Of<T>(Outcome<T> outcome) => outcome.Succeeded ? new(outcome.Value, null) : new(null, outcome.Error);

    public static Reply Raw(string text) => new(null, null, text);
}
