using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Obscura.Governance.Access;

namespace Obscura.Server.Console;

/// <summary>
/// Every console request that is not a GET or HEAD changes something, so it needs the controller role, checked here on
/// the server whatever the page shows: an auditor who forges a form (with their own valid antiforgery token) is refused
/// with 403 before any handler runs. Only pages marked <see cref="PostChangesNothingAttribute"/> (sign-in, sign-out)
/// are open to every console role. Deny by default: a new page's POST handler is covered without remembering to check.
/// </summary>
internal sealed class ConsoleWriteFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var method = context.HttpContext.Request.Method;
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method)
            && context.ActionDescriptor.ModelTypeInfo?.IsDefined(typeof(PostChangesNothingAttribute), false) != true
            && !context.HttpContext.User.IsInRole(nameof(Role.Controller)))
        {
            context.Result = new ForbidResult(ConsoleAuthenticationHandler.SchemeName);
            return;
        }

        await next().ConfigureAwait(false);
    }
}

/// <summary>Marks a console page whose POST handlers change no governance data, so every console role (and, on the sign-in page, no role) may post.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class PostChangesNothingAttribute : Attribute;
