using Obscura.Governance.Subjects;
using Obscura.Server.Endpoints;

namespace Obscura.Server.Security;

/// <summary>
/// On routes with a <c>{subjectId}</c>, a subject's self-service key may only reach its own subject. Applied per
/// route group, so a new route under the group is covered without its handler remembering to check.
/// </summary>
internal sealed class SubjectScopeFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.Request.RouteValues.TryGetValue("subjectId", out var raw)
            && SubjectId.TryParse(raw as string, out var subject)
            && !Policies.MayActOn(http.User, subject))
        {
            return ValueTask.FromResult<object?>(Problems.NotYourSubject());
        }

        return next(context);
    }
}
