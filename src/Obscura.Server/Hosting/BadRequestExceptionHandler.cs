using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Obscura.Server.Hosting;

/// <summary>
/// Turns request-binding failures (malformed JSON, a bad id in the route, an oversized body) into problem details
/// with the status the failure carries and, for JSON, the field at fault — never a 500.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        var details = new HttpValidationProblemDetails { Status = bad.StatusCode, Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request is malformed." };
        if (bad.InnerException is JsonException json)
        {
            var field = json.Path is { Length: > 0 } path ? path.TrimStart('$').TrimStart('.') : "body";
            details.Errors[field.Length == 0 ? "body" : field] = [FirstSentence(json.Message)];
            details.Detail = "The JSON body could not be read; see errors for the field at fault.";
        }
        else
        {
            details.Detail = bad.Message;
        }

        httpContext.Response.StatusCode = bad.StatusCode;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = details, Exception = exception });
    }

    // System.Text.Json appends position details after the first sentence; keep what a client can act on.
    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
