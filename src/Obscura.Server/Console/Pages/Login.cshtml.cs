using Microsoft.AspNetCore.Mvc;
using Obscura.Governance.Access;

namespace Obscura.Server.Console.Pages;

/// <summary>
/// Sign-in: the pasted key is authenticated once, then forgotten; the browser gets a fresh random session id. Any
/// session id the browser already had is ended first, so an id planted by an attacker never becomes a signed-in one.
/// </summary>
[PostChangesNothing]
internal sealed class LoginModel(ApiKeys keys, ConsoleSessions sessions) : ConsolePageModel
{
    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        sessions.End(Request.Cookies[ConsoleCookies.Session]);

        // Read from the form here, not bound as a handler argument: Razor Pages logs handler arguments at Trace level.
        var form = await Request.ReadFormAsync(cancellationToken);
        var record = await keys.AuthenticateAsync(form["apiKey"].ToString().Trim(), cancellationToken);
        if (record is null)
        {
            ConsoleCookies.DeleteSession(Response);
            Error = "That key is unknown or has been revoked.";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        if (record.Role is not (Role.Controller or Role.Auditor))
        {
            ConsoleCookies.DeleteSession(Response);
            Error = $"The console is for controller and auditor keys; this is a {record.Role.ToString().ToLowerInvariant()} key.";
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }

        ConsoleCookies.SetSession(Response, sessions.Start(record));
        return Redirect(ConsolePaths.Home);
    }
}
