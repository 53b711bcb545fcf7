using Microsoft.AspNetCore.Http.HttpResults;
using Obscura.Governance;

namespace Obscura.Server.Endpoints;

/// <summary>Maps governance outcomes to RFC 9457 problem details.</summary>
internal static class Problems
{
    public static ProblemHttpResult From(GovernanceError error)
    {
        if (error.Kind == GovernanceErrorKind.Invalid)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [error.Field ?? "request"] = [error.Message] })
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request is invalid.",
                Detail = error.Message,
            });
        }

        var (status, title) = error.Kind switch
        {
            GovernanceErrorKind.NotFound => (StatusCodes.Status404NotFound, "Not found."),
            GovernanceErrorKind.Conflict => (StatusCodes.Status409Conflict, "Already exists."),
            GovernanceErrorKind.NotApplicable => (StatusCodes.Status409Conflict, "Not applicable in the current state."),
            GovernanceErrorKind.Refused => (StatusCodes.Status422UnprocessableEntity, "Refused by law."),
            _ => (StatusCodes.Status500InternalServerError, "Unexpected outcome."),
        };
        var extensions = error.Citation is null ? null : new Dictionary<string, object?> { ["citation"] = error.Citation };
        return TypedResults.Problem(detail: error.Message, statusCode: status, title: title, extensions: extensions);
    }

    public static Results<Ok<T>, ProblemHttpResult> OkOr<T>(Outcome<T> outcome) =>
        outcome.Succeeded ? TypedResults.Ok(outcome.Value) : From(outcome.Error);

    public static ProblemHttpResult NotYourSubject() =>
        TypedResults.Problem(detail: "A subject key can only act on its own subject.", statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.");
}
