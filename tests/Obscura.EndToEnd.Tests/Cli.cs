using Obscura.Cli;

namespace Obscura.EndToEnd.Tests;

/// <summary>Runs the obscura command line in-process and captures what it prints.</summary>
internal static class Cli
{
    public static async Task<(int Code, string Out, string Err)> RunAsync(HttpMessageHandler? handler, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await ObscuraCli.RunAsync(args, stdout, stderr, handler, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public static Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => RunAsync(null, args);
}
