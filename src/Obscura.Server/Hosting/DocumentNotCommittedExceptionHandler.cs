using Microsoft.AspNetCore.Diagnostics;
using Obscura.Governance.Accountability;

namespace Obscura.Server.Hosting;

/// <summary>
/// Answers a read of accountability documents that do not match the audit ledger with 422 problem details whose
/// <c>type</c> is <see cref="DocumentNotCommittedException.ProblemType"/>, so a client tells a forged record from a
/// refusal by law; never the documents and never a 500.
/// </summary>
internal sealed class DocumentNotCommittedExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken) =>
        exception is DocumentNotCommittedException notCommitted ? WriteAsync(httpContext, notCommitted) : ValueTask.FromResult(false);

    private ValueTask<bool> WriteAsync(HttpContext httpContext, DocumentNotCommittedException exception)
    {
        httpContext.Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        return problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Type = DocumentNotCommittedException.ProblemType,
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "The documents do not match the audit ledger.",
                Detail = exception.Message,
            },
        });
    }
}
