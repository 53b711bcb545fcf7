using Microsoft.AspNetCore.Mvc;

namespace Obscura.Server.Console.Pages;

/// <summary>Sign-out ends the server-side session (the id in the cookie is worthless afterwards) and clears the cookie.</summary>
[PostChangesNothing]
internal sealed class LogoutModel(ConsoleSessions sessions) : ConsolePageModel
{
    public IActionResult OnPost()
    {
        sessions.End(Request.Cookies[ConsoleCookies.Session]);
        ConsoleCookies.DeleteSession(Response);
        return Redirect(ConsolePaths.Login);
    }
}
