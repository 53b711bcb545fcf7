using Obscura.Governance.Subjects;
using Obscura.Server.Hosting;
using Obscura.Server.Security;

namespace Obscura.Server.Endpoints;

/// <summary>
/// On the consent-withdrawal and objection routes: once the governance core has recorded the change (200), the
/// subject's enrolment is removed if they may no longer be processed, so a later consent cannot bring it back.
/// </summary>
internal sealed class BiometricWithdrawalFilter(BiometricShredding shredding) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var result = await next(context);
        var inner = result is INestedHttpResult nested ? nested.Result : result;
        if (inner is IStatusCodeHttpResult { StatusCode: StatusCodes.Status200OK }
            && context.HttpContext.Request.RouteValues["subjectId"] is string raw
            && SubjectId.TryParse(raw, out var subject))
        {
            // Not the request's token: the withdrawal is committed, so its shredding runs to the end even if the client leaves.
            await shredding.AfterWithdrawalAsync(Policies.ActorOf(context.HttpContext.User).Value, subject, CancellationToken.None);
        }

        return result;
    }
}
