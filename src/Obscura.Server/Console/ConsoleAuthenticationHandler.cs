using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Obscura.Governance.Access;
using Obscura.Server.Security;

namespace Obscura.Server.Console;

/// <summary>
/// Authenticates console pages by the session cookie alone. On every request the session's API key is looked up again
/// (<see cref="ApiKeys.FindLiveAsync"/>): a key revoked by any process sharing the database ends all its sessions at
/// their next request. The HTTP API never accepts this cookie (its default scheme reads only API keys), so a page
/// session cannot be used to call <c>/v1</c> from another site's page.
/// </summary>
internal sealed class ConsoleAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ConsoleSessions sessions, ApiKeys keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ObscuraConsole";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var id = Request.Cookies[ConsoleCookies.Session];
        if (sessions.Find(id) is not { } session)
        {
            return AuthenticateResult.NoResult();
        }

        var key = await keys.FindLiveAsync(session.KeyId, Context.RequestAborted).ConfigureAwait(false);
        if (key is null || key.Role != session.Role || !CryptographicOperations.FixedTimeEquals(key.SecretHash, session.SecretHash))
        {
            sessions.EndAllFor(session.KeyId);
            ConsoleCookies.DeleteSession(Response);
            return AuthenticateResult.Fail("The console session's API key has been revoked.");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(ApiKeyAuthenticationHandler.PrincipalOf(key, SchemeName), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // 303: a refused POST is followed by a GET of the sign-in page, never re-posted.
        Response.StatusCode = StatusCodes.Status303SeeOther;
        Response.Headers.Location = ConsolePaths.Login;
        return Task.CompletedTask;
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        Response.ContentType = "text/html; charset=utf-8";
        var role = HtmlEncoder.Default.Encode(Context.User.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value ?? "none");
        await Response.WriteAsync(
            $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Forbidden - Obscura console</title><link rel="stylesheet" href="{ConsolePaths.Stylesheet}"></head>
            <body><main id="main"><h1>Forbidden</h1><p role="alert">Your role ({role}) may not do this. Nothing was changed.</p>
            <p><a href="{ConsolePaths.Home}">Back to the console</a></p></main></body></html>
            """,
            Context.RequestAborted).ConfigureAwait(false);
    }
}
