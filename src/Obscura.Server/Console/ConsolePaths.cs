namespace Obscura.Server.Console;

/// <summary>The console's fixed addresses. Everything it serves is under <see cref="Root"/>.</summary>
internal static class ConsolePaths
{
    public const string Root = "/console";
    public const string Home = "/console";
    public const string Login = "/console/login";
    public const string Stylesheet = "/console/console.css";
}
