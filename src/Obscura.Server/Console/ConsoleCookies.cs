namespace Obscura.Server.Console;

/// <summary>
/// The console's cookies: the session id and the antiforgery token. Both are HttpOnly, SameSite=Strict (a page on
/// another site cannot make the browser send them), scoped to <see cref="ConsolePaths.Root"/>, Secure when the request
/// came over HTTPS, and session cookies (gone when the browser closes).
/// </summary>
internal static class ConsoleCookies
{
    public const string Session = "obscura-console";
    public const string Antiforgery = "obscura-console-af";

    public static CookieOptions Options(HttpRequest request) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = request.IsHttps,
        Path = ConsolePaths.Root,
        IsEssential = true,
    };

    public static void SetSession(HttpResponse response, string id) =>
        response.Cookies.Append(Session, id, Options(response.HttpContext.Request));

    public static void DeleteSession(HttpResponse response) =>
        response.Cookies.Delete(Session, Options(response.HttpContext.Request));
}
