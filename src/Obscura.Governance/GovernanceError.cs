namespace Obscura.Governance;

/// <summary>Why a governance operation did not happen: an expected domain outcome, reported as a value.</summary>
/// <param name="Kind">The class of outcome, which front ends map to a status code.</param>
/// <param name="Message">What happened and what to do about it. Never contains personal data or secrets.</param>
/// <param name="Field">The input field at fault, in camelCase JSON path form, when <paramref name="Kind"/> is <see cref="GovernanceErrorKind.Invalid"/>.</param>
/// <param name="Citation">The legal provision behind a refusal, when there is one.</param>
public sealed record GovernanceError(GovernanceErrorKind Kind, string Message, string? Field = null, string? Citation = null)
{
    internal static GovernanceError Invalid(string field, string message) => new(GovernanceErrorKind.Invalid, message, field);

    internal static GovernanceError NotFound(string message) => new(GovernanceErrorKind.NotFound, message);

    internal static GovernanceError Conflict(string message) => new(GovernanceErrorKind.Conflict, message);

    internal static GovernanceError NotApplicable(string message) => new(GovernanceErrorKind.NotApplicable, message);
}
