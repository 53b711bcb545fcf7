using System.Security.Claims;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Obscura.Governance;
using Obscura.Governance.Access;
using Obscura.Server.Security;

namespace Obscura.Server.Console.Pages;

/// <summary>What every console page knows about its user. Role checks that matter are on the server (<see cref="ConsoleWriteFilter"/>); this only decides what to show.</summary>
internal abstract class ConsolePageModel : PageModel
{
    /// <summary>The ledger actor for the signed-in key, as the HTTP API records it.</summary>
    public Actor Actor => Policies.ActorOf(User);

    /// <summary>Whether the signed-in key is a controller's (may change things).</summary>
    public bool IsController => User.IsInRole(nameof(Role.Controller));

    /// <summary>Whether the signed-in key is an auditor's.</summary>
    public bool IsAuditor => User.IsInRole(nameof(Role.Auditor));

    /// <summary>A message about what the last change did, shown once after a redirect.</summary>
    public string? Done { get; protected set; }

    /// <summary>Why the last request failed, shown in an alert.</summary>
    public string? Error { get; protected set; }

    /// <summary>The role of <paramref name="user"/> in lower case, for display.</summary>
    public static string RoleOf(ClaimsPrincipal user) => (user?.FindFirst(ClaimTypes.Role)?.Value ?? "none").ToLowerInvariant();

    /// <summary>Shows <paramref name="error"/> and sets the status the API would answer with for it.</summary>
    protected void Fail(GovernanceError error)
    {
        Error = error.Message;
        Response.StatusCode = error.Kind switch
        {
            GovernanceErrorKind.Invalid => StatusCodes.Status400BadRequest,
            GovernanceErrorKind.NotFound => StatusCodes.Status404NotFound,
            GovernanceErrorKind.Conflict or GovernanceErrorKind.NotApplicable => StatusCodes.Status409Conflict,
            GovernanceErrorKind.Refused => StatusCodes.Status422UnprocessableEntity,
            _ => StatusCodes.Status500InternalServerError,
        };
    }
}
