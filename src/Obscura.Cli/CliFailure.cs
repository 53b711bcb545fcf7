namespace Obscura.Cli;

/// <summary>A command cannot go on: its message is printed on standard error and the process exits with <see cref="ExitCode"/>.</summary>
internal sealed class CliFailure(int exitCode, string message) : Exception(message)
{
    /// <summary>The exit code (see <see cref="ExitCodes"/>).</summary>
    public int ExitCode { get; } = exitCode;
}
